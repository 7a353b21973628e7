// Shell-like word splitting without a shell (the legacy -args of reaper, the
// templates of the conformance suite): quotes and backslashes are
// honoured, nothing is expanded ($VAR, $(...), globs, ';' stay literal).
#ifndef REAP_TEXT_WORDS_H_
#define REAP_TEXT_WORDS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reap_text {

// Splits TEXT into words as sh would before expansion:
//  - blanks (space, tab, newline) separate words;
//  - '...' keeps everything literally;
//  - "..." keeps everything but \" \\ \$ \` and backslash-newline;
//  - a backslash outside quotes quotes the next character (backslash-newline
//    is removed);
//  - '' and "" produce an empty word.
// An unterminated quote or a trailing lone backslash is an error: nullopt,
// with *WHY (when given) saying which.
std::optional<std::vector<std::string>> SplitWords(std::string_view text, std::string* why = nullptr);

// Quotes WORDS so that SplitWords(JoinWords(words)) == words.
std::string JoinWords(const std::vector<std::string>& words);

}  // namespace reap_text

#endif  // REAP_TEXT_WORDS_H_
