// reaper doctor: does this environment reap orphans, and who adopts them?
#ifndef REAP_REAPER_DOCTOR_H_
#define REAP_REAPER_DOCTOR_H_

#include <cstdio>

namespace reaper {

// Exit status when the doctor cannot tell (no /proc of this namespace, or
// the check itself failed).
inline constexpr int kDoctorUnknown = 4;

// Prints findings and a verdict to OUT. Returns 0 when detached processes
// that exit get reaped here (OK or SLOW), 1 when they stay zombies,
// kDoctorUnknown when it cannot tell.
int RunDoctor(std::FILE* out);

}  // namespace reaper

#endif  // REAP_REAPER_DOCTOR_H_
