#include "text/words.h"

namespace reap_text {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

}  // namespace

std::optional<std::vector<std::string>> SplitWords(std::string_view text, std::string* why) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;  // true once a word started (even an empty quoted one)
  std::size_t i = 0;
  auto invalid = [why](const char* reason) -> std::optional<std::vector<std::string>> {
    if (why != nullptr) *why = reason;
    return std::nullopt;
  };
  while (i < text.size()) {
    char c = text[i];
    if (IsBlank(c)) {
      if (in_word) {
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
      ++i;
    } else if (c == '\'') {
      std::size_t end = text.find('\'', i + 1);
      if (end == text.npos) return invalid("unterminated single quote");
      word.append(text.substr(i + 1, end - i - 1));
      in_word = true;
      i = end + 1;
    } else if (c == '"') {
      ++i;
      in_word = true;
      for (;;) {
        if (i >= text.size()) return invalid("unterminated double quote");
        char d = text[i];
        if (d == '"') {
          ++i;
          break;
        }
        if (d == '\\' && i + 1 < text.size()) {
          char n = text[i + 1];
          if (n == '"' || n == '\\' || n == '$' || n == '`') {
            word.push_back(n);
            i += 2;
            continue;
          }
          if (n == '\n') {
            i += 2;
            continue;
          }
        }
        word.push_back(d);
        ++i;
      }
    } else if (c == '\\') {
      if (i + 1 >= text.size()) return invalid("trailing backslash");
      if (text[i + 1] != '\n') {
        word.push_back(text[i + 1]);
        in_word = true;
      }
      i += 2;
    } else {
      word.push_back(c);
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out.push_back(' ');
    out.push_back('\'');
    for (char c : words[i]) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out.push_back(c);
      }
    }
    out.push_back('\'');
  }
  return out;
}

}  // namespace reap_text
