// reaper doctor: does this environment reap orphans, and who adopts them?
#ifndef REAP_REAPER_DOCTOR_H_
#define REAP_REAPER_DOCTOR_H_

#include <cstdio>

namespace reaper {

// Prints findings and a verdict to OUT. Returns 0 when detached processes
// that exit get reaped here, 1 when they stay zombies (or the check failed).
int RunDoctor(std::FILE* out);

}  // namespace reaper

#endif  // REAP_REAPER_DOCTOR_H_
