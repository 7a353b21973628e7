#include "testing/probe/probe_main.h"

int main(int argc, char** argv) { return reap_testing::ProbeMain(argc, argv); }
