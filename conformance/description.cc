#include "conformance/description.h"

#include <errno.h>

#include <algorithm>
#include <sstream>

#include "text/words.h"

namespace reap_conformance {
namespace {

reap::Error Invalid(std::string why) { return reap::OpError("description", EINVAL, {}, std::move(why)); }

std::string Trim(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t\r");
  if (b == s.npos) return "";
  std::size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

bool IsKey(const std::string& key) {
  for (const char* k : {"name", "template", "pid", "mode", "unclaimed"}) {
    if (key == k) return true;
  }
  return false;
}

}  // namespace

reap::Status SetField(Description* d, const std::string& key, const std::string& value) {
  if (key == "name") {
    d->name = value;
  } else if (key == "template") {
    std::string why;
    auto words = reap_text::SplitWords(value, &why);
    if (!words) return Invalid(why);
    if (words->empty()) return Invalid("empty");
    d->template_words = *words;
  } else if (key == "pid") {
    if (value == "stdout")
      d->pid = PidSource::kStdout;
    else if (value == "pidfile")
      d->pid = PidSource::kPidfile;
    else if (value == "adopted")
      d->pid = PidSource::kAdopted;
    else
      return Invalid("must be stdout, pidfile or adopted, not '" + value + "'");
  } else if (key == "mode") {
    if (value == "cli")
      d->mode = Mode::kCli;
    else if (value == "server")
      d->mode = Mode::kServer;
    else
      return Invalid("must be cli or server, not '" + value + "'");
  } else if (key == "unclaimed") {
    std::istringstream in(value);
    for (std::string p; in >> p;) {
      if (FindProperty(p) == nullptr) return Invalid("unknown property '" + p + "'");
      d->unclaimed.insert(p);
    }
  } else {
    return Invalid("unknown key '" + key + "'");
  }
  return reap::OkStatus();
}

reap::Status CheckComplete(const Description& d) {
  if (d.name.empty()) return Invalid("missing name");
  if (d.template_words.empty()) return Invalid("missing template");
  return reap::OkStatus();
}

reap::Result<Description> ParseDescription(std::string_view text) {
  Description d;
  std::size_t pos = 0;
  int line_no = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == text.npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    // '#' starts a comment where it begins a word outside quotes, as in a
    // shell: `template = sh -c 'echo #x' {cmd}` keeps its '#'.
    std::string line(raw);
    char quote = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (quote != 0) {
        if (c == quote)
          quote = 0;
        else if (c == '\\' && quote == '"' && i + 1 < line.size())
          ++i;
        continue;
      }
      if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '\\') {
        ++i;
      } else if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
        line.resize(i);
        break;
      }
    }
    line = Trim(line);
    if (line.empty()) continue;
    std::size_t eq = line.find('=');
    if (eq == std::string::npos) return Invalid("line " + std::to_string(line_no) + ": expected key = value");
    std::string key = Trim(line.substr(0, eq));
    reap::Status set = SetField(&d, key, Trim(line.substr(eq + 1)));
    if (!set.ok()) {
      std::string where = "line " + std::to_string(line_no) + ": ";
      if (IsKey(key)) where += key + ": ";
      return Invalid(where + set.error().reason);
    }
  }
  if (reap::Status complete = CheckComplete(d); !complete.ok()) return complete.error();
  return d;
}

reap::Result<std::vector<std::string>> Expand(const Description& d, const CommandSpec& c,
                                              const std::map<std::string, std::string>& defines) {
  std::vector<std::string> cmd = {c.program};
  cmd.insert(cmd.end(), c.args.begin(), c.args.end());
  std::vector<std::string> abs_cmd = {c.abs_program};
  abs_cmd.insert(abs_cmd.end(), c.args.begin(), c.args.end());
  std::map<std::string, std::string> text = defines;
  text["program"] = c.program;
  text["abs_program"] = c.abs_program;
  text["pidfile"] = c.pidfile;
  text["cmdline"] = reap_text::JoinWords(cmd);
  std::vector<std::string> out;
  for (const std::string& w : d.template_words) {
    if (w == "{cmd}") {
      out.insert(out.end(), cmd.begin(), cmd.end());
      continue;
    }
    if (w == "{abs_cmd}") {
      out.insert(out.end(), abs_cmd.begin(), abs_cmd.end());
      continue;
    }
    if (w == "{args}") {
      out.insert(out.end(), c.args.begin(), c.args.end());
      continue;
    }
    std::string r;
    for (std::size_t i = 0; i < w.size();) {
      if (w[i] == '{') {
        std::size_t close = w.find('}', i);
        if (close != std::string::npos) {
          std::string key = w.substr(i + 1, close - i - 1);
          auto it = text.find(key);
          if (it == text.end()) return Invalid("unknown placeholder {" + key + "}");
          r += it->second;
          i = close + 1;
          continue;
        }
      }
      r.push_back(w[i++]);
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace reap_conformance
