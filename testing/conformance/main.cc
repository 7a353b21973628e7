// reaper-conformance: checks any detacher against the properties users rely
// on. See docs/conformance.md.
//
//   reaper-conformance [OPTIONS] DESCRIPTION_FILE...
//   reaper-conformance [OPTIONS] --name NAME --template 'setsid -f {cmd}'
//                      [--pid stdout|pidfile|adopted] [--unclaimed PROP]...
// Options: --rounds N, --seed N, --define NAME=VALUE, --probe PATH,
//          --junit FILE, --json FILE, --markdown FILE.
// Exit status: 0 all claimed properties hold, 1 some failed, 2 usage.
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "reap/subreaper.h"
#include "testing/conformance/description.h"
#include "testing/conformance/report.h"
#include "testing/conformance/suite.h"

namespace {

int Usage(const std::string& why) {
  std::fprintf(stderr, "reaper-conformance: usage: %s (see the comment at the top of main.cc or docs/conformance.md)\n",
               why.c_str());
  return 2;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  return static_cast<bool>(f);
}

// The probe sits next to this binary in the runfiles, unless --probe says.
std::string DefaultProbe(const char* argv0) {
  const char* srcdir = getenv("TEST_SRCDIR");
  std::vector<std::string> candidates;
  if (srcdir) candidates.push_back(std::string(srcdir) + "/reap/testing/probe/probe");
  std::string self = argv0;
  candidates.push_back(self + ".runfiles/reap/testing/probe/probe");
  candidates.push_back("testing/probe/probe");
  for (const auto& c : candidates) {
    if (access(c.c_str(), X_OK) == 0) {
      char buf[4096];
      return realpath(c.c_str(), buf) ? std::string(buf) : c;
    }
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  reap_conformance::SuiteOptions opts;
  std::vector<std::string> files;
  std::string junit, json, markdown, name, templ, pid = "stdout";
  std::vector<std::string> unclaimed;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--rounds" && value(&v)) opts.rounds = std::atoi(v.c_str());
    else if (a == "--seed" && value(&v)) opts.seed = static_cast<unsigned>(std::strtoul(v.c_str(), nullptr, 10));
    else if (a == "--define" && value(&v)) {
      std::size_t eq = v.find('=');
      if (eq == std::string::npos) return Usage("--define needs NAME=VALUE");
      opts.defines[v.substr(0, eq)] = v.substr(eq + 1);
    } else if (a == "--probe" && value(&v)) opts.probe = v;
    else if (a == "--junit" && value(&v)) junit = v;
    else if (a == "--json" && value(&v)) json = v;
    else if (a == "--markdown" && value(&v)) markdown = v;
    else if (a == "--name" && value(&v)) name = v;
    else if (a == "--template" && value(&v)) templ = v;
    else if (a == "--pid" && value(&v)) pid = v;
    else if (a == "--unclaimed" && value(&v)) unclaimed.push_back(v);
    else if (a == "--help") {
      std::printf("usage: reaper-conformance [--rounds N] [--seed N] [--define K=V] [--junit F] [--json F]\n"
                  "                          [--markdown F] (DESCRIPTION_FILE... | --name N --template T\n"
                  "                          [--pid stdout|pidfile|adopted] [--unclaimed PROP]...)\n");
      return 0;
    } else if (!a.empty() && a[0] == '-') return Usage("unknown or incomplete option '" + a + "'");
    else files.push_back(a);
  }
  if (opts.probe.empty()) opts.probe = DefaultProbe(argv[0]);
  if (opts.probe.empty()) return Usage("cannot find the probe; pass --probe PATH");

  std::vector<reap_conformance::Description> descriptions;
  if (!templ.empty()) {
    std::string text = "name = " + (name.empty() ? templ : name) + "\ntemplate = " + templ + "\npid = " + pid + "\n";
    if (!unclaimed.empty()) {
      text += "unclaimed =";
      for (const auto& u : unclaimed) text += " " + u;
      text += "\n";
    }
    auto d = reap_conformance::ParseDescription(text);
    if (!d.ok()) return Usage(d.error().what);
    descriptions.push_back(d.value());
  }
  for (const auto& f : files) {
    std::ifstream in(f);
    if (!in) return Usage("cannot read " + f);
    std::stringstream ss;
    ss << in.rdbuf();
    auto d = reap_conformance::ParseDescription(ss.str());
    if (!d.ok()) return Usage(f + ": " + d.error().what);
    descriptions.push_back(d.value());
  }
  if (descriptions.empty()) return Usage("no detacher described");

  // The suite's world: everything detached is adopted here and reaped.
  if (!reap::BecomeSubreaper().ok()) {
    std::fprintf(stderr, "reaper-conformance: cannot become a subreaper\n");
    return 1;
  }
  reap_conformance::Results results;
  bool failed = false;
  for (const auto& d : descriptions) {
    auto verdicts = reap_conformance::RunSuite(d, opts);
    std::fputs(reap_conformance::Table(d.name, verdicts).c_str(), stdout);
    std::fflush(stdout);
    failed = failed || reap_conformance::AnyFailure(verdicts);
    results.emplace_back(d.name, std::move(verdicts));
  }
  if (!junit.empty() && !WriteFile(junit, reap_conformance::JUnitXml(results))) return Usage("cannot write " + junit);
  if (!json.empty() && !WriteFile(json, reap_conformance::Json(results))) return Usage("cannot write " + json);
  if (!markdown.empty() && !WriteFile(markdown, reap_conformance::MarkdownMatrix(results))) {
    return Usage("cannot write " + markdown);
  }
  return failed ? 1 : 0;
}
