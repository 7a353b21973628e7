#include "conformance/json_argv.h"

#include <cstdio>

namespace reap_conformance {
namespace {

void AppendUtf8(unsigned cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

std::string JsonArgv(const std::vector<std::string>& argv) {
  std::string out = "[";
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (i) out += ",";
    out += "\"";
    for (unsigned char c : argv[i]) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    out += "\"";
  }
  return out + "]";
}

std::optional<std::vector<std::string>> ParseJsonArgv(std::string_view s) {
  std::size_t i = 0;
  auto skip = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
  };
  std::vector<std::string> out;
  skip();
  if (i >= s.size() || s[i++] != '[') return std::nullopt;
  skip();
  if (i < s.size() && s[i] == ']') return ++i, out;
  for (;;) {
    skip();
    if (i >= s.size() || s[i++] != '"') return std::nullopt;
    std::string word;
    for (;;) {
      if (i >= s.size()) return std::nullopt;
      char c = s[i++];
      if (c == '"') break;
      if (c != '\\') {
        word.push_back(c);
        continue;
      }
      if (i >= s.size()) return std::nullopt;
      char e = s[i++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          word.push_back(e);
          break;
        case 'b':
          word.push_back('\b');
          break;
        case 'f':
          word.push_back('\f');
          break;
        case 'n':
          word.push_back('\n');
          break;
        case 'r':
          word.push_back('\r');
          break;
        case 't':
          word.push_back('\t');
          break;
        case 'u': {
          if (i + 4 > s.size()) return std::nullopt;
          unsigned cp = 0;
          for (int k = 0; k < 4; ++k) {
            char h = s[i++];
            cp <<= 4;
            if (h >= '0' && h <= '9')
              cp |= static_cast<unsigned>(h - '0');
            else if (h >= 'a' && h <= 'f')
              cp |= static_cast<unsigned>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F')
              cp |= static_cast<unsigned>(h - 'A' + 10);
            else
              return std::nullopt;
          }
          AppendUtf8(cp, &word);
          break;
        }
        default:
          return std::nullopt;
      }
    }
    out.push_back(std::move(word));
    skip();
    if (i >= s.size()) return std::nullopt;
    char c = s[i++];
    if (c == ']') break;
    if (c != ',') return std::nullopt;
  }
  skip();
  if (i != s.size()) return std::nullopt;
  return out;
}

}  // namespace reap_conformance
