// The probe's main, as a function: conformance/probe is a binary of its own, and
// reaper-conformance runs it as `reaper-conformance __probe ...` so that the
// suite needs no second file.
#ifndef REAP_CONFORMANCE_PROBE_PROBE_MAIN_H_
#define REAP_CONFORMANCE_PROBE_PROBE_MAIN_H_

namespace reap_conformance {

// argv[0] is the program's name; the options follow (see probe_main.cc).
int ProbeMain(int argc, char** argv);

}  // namespace reap_conformance

#endif  // REAP_CONFORMANCE_PROBE_PROBE_MAIN_H_
