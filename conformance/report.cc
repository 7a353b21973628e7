#include "conformance/report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "text/json.h"

namespace reap_conformance {
namespace {

std::string Xml(const std::string& s) {
  std::string o;
  for (char ch : s) {
    switch (ch) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\n':
        o += "&#10;";
        break;
      default:
        o.push_back(ch);
    }
  }
  return o;
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

}  // namespace

std::string Table(const std::string& detacher, const std::vector<Verdict>& v) {
  std::ostringstream os;
  os << "conformance of: " << detacher << "\n";
  std::size_t width = 0;
  for (const auto& x : v) width = std::max(width, x.property.size());
  for (const auto& x : v) {
    os << "  " << x.property << std::string(width - x.property.size() + 2, ' ') << StatusName(x.status)
       << "  " << x.reason << "\n";
  }
  auto count = [&](Status s) {
    return static_cast<int>(
        std::count_if(v.begin(), v.end(), [&](const Verdict& x) { return x.status == s; }));
  };
  auto properties = [](int n) { return std::to_string(n) + " claimed propert" + (n == 1 ? "y" : "ies"); };
  int fails = count(Status::kFail), undecided = count(Status::kInconclusive);
  if (fails)
    os << "FAILED: " << properties(fails) << " violated\n";
  else if (undecided)
    os << "INCONCLUSIVE: " << properties(undecided) << " could not be decided\n";
  else
    os << "OK: every claimed property holds\n";
  return os.str();
}

std::string JUnitXml(const Results& r) {
  std::ostringstream os;
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  for (const auto& [name, verdicts] : r) {
    int failures = 0, errors = 0, skipped = 0;
    double seconds = 0;
    for (const auto& v : verdicts) {
      failures += v.status == Status::kFail;
      errors += v.status == Status::kInconclusive;
      skipped += v.status == Status::kSkip;
      seconds += v.seconds;
    }
    os << "  <testsuite name=\"" << Xml(name) << "\" tests=\"" << verdicts.size() << "\" failures=\""
       << failures << "\" errors=\"" << errors << "\" skipped=\"" << skipped << "\" time=\""
       << Seconds(seconds) << "\">\n";
    for (const auto& v : verdicts) {
      os << "    <testcase classname=\"" << Xml(name) << "\" name=\"" << Xml(v.property) << "\" time=\""
         << Seconds(v.seconds) << "\">";
      if (v.status == Status::kFail) os << "<failure message=\"" << Xml(v.reason) << "\"/>";
      if (v.status == Status::kSkip) os << "<skipped message=\"" << Xml(v.reason) << "\"/>";
      // Neither passed nor failed: an error, so no CI counts it as a pass.
      if (v.status == Status::kInconclusive)
        os << "<error type=\"INCONCLUSIVE\" message=\"" << Xml(v.reason) << "\"/>";
      os << "</testcase>\n";
    }
    os << "  </testsuite>\n";
  }
  os << "</testsuites>\n";
  return os.str();
}

std::string Json(const Results& r) {
  std::ostringstream os;
  os << "[";
  for (std::size_t i = 0; i < r.size(); ++i) {
    os << (i ? "," : "") << "{\"detacher\":" << reap_text::JsonString(r[i].first) << ",\"verdicts\":[";
    for (std::size_t j = 0; j < r[i].second.size(); ++j) {
      const auto& v = r[i].second[j];
      os << (j ? "," : "") << "{\"property\":" << reap_text::JsonString(v.property) << ",\"status\":\""
         << StatusName(v.status) << "\",\"reason\":" << reap_text::JsonString(v.reason) << "}";
    }
    os << "]}";
  }
  os << "]\n";
  return os.str();
}

std::string MarkdownMatrix(const Results& r) {
  std::ostringstream os;
  os << "| property |";
  for (const auto& [name, _] : r) os << " `" << name << "` |";
  os << "\n| --- |";
  for (std::size_t i = 0; i < r.size(); ++i) os << " --- |";
  os << "\n";
  if (r.empty()) return os.str();
  for (std::size_t p = 0; p < r[0].second.size(); ++p) {
    os << "| " << r[0].second[p].property << " |";
    for (const auto& [name, verdicts] : r) os << " " << StatusName(verdicts[p].status) << " |";
    os << "\n";
  }
  os << "\nWhy each FAIL (and SKIP, INCONCLUSIVE):\n\n";
  for (const auto& [name, verdicts] : r) {
    for (const auto& v : verdicts) {
      if (v.status == Status::kPass) continue;
      os << "- `" << name << "` " << v.property << " " << StatusName(v.status) << ": " << v.reason << "\n";
    }
  }
  return os.str();
}

}  // namespace reap_conformance
