// The probe's main, as a function: testing/probe is a binary of its own, and
// reaper-conformance runs it as `reaper-conformance __probe ...` so that the
// suite needs no second file.
#ifndef REAP_TESTING_PROBE_PROBE_MAIN_H_
#define REAP_TESTING_PROBE_PROBE_MAIN_H_

namespace reap_testing {

// argv[0] is the program's name; the options follow (see probe_main.cc).
int ProbeMain(int argc, char** argv);

}  // namespace reap_testing

#endif  // REAP_TESTING_PROBE_PROBE_MAIN_H_
