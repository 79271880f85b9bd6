#include "testutil/datadriven.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <variant>

#include <gtest/gtest.h>

#include "absl/strings/str_split.h"

namespace kvlsm::test {
namespace {

constexpr std::string_view kSeparator = "----";

// A line kept as written (a comment or a blank line), or a case.
using Chunk = std::variant<std::string, DataDrivenCase>;

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();  // The final '\n'.
  return lines;
}

void ParseCommand(const std::string& line, DataDrivenCase* c) {
  c->command_line = line;
  std::vector<DataDrivenArg> words = ParseDataDrivenArgs(line);
  c->command = words[0].key;
  c->args.assign(words.begin() + 1, words.end());
}

// Parses the case whose command is lines[*i] and moves *i past it. False when the file ends
// before its "----".
bool ParseCase(const std::string& file, const std::vector<std::string>& lines, size_t* i,
               DataDrivenCase* c) {
  c->file = file;
  c->line = static_cast<int>(*i) + 1;
  ParseCommand(lines[(*i)++], c);
  while (*i < lines.size() && lines[*i] != kSeparator) c->input += lines[(*i)++] + "\n";
  if (*i == lines.size()) return false;
  ++*i;
  while (*i < lines.size() && !lines[*i].empty()) c->expected += lines[(*i)++] + "\n";
  return true;
}

bool IsComment(const std::string& line) { return line.empty() || line[0] == '#'; }

bool Parse(const std::string& file, const std::string& text, std::vector<Chunk>* chunks) {
  const std::vector<std::string> lines = SplitLines(text);
  for (size_t i = 0; i < lines.size();) {
    if (IsComment(lines[i])) {
      chunks->push_back(lines[i++]);
      continue;
    }
    DataDrivenCase c;
    if (!ParseCase(file, lines, &i, &c)) {
      ADD_FAILURE_AT(file.c_str(), c.line) << "no \"----\" after \"" << c.command_line << "\"";
      return false;
    }
    chunks->push_back(std::move(c));
  }
  return true;
}

std::string RunCase(const DataDrivenCase& c, const DataDrivenHandler& handler) {
  const testing::ScopedTrace trace(c.file.c_str(), c.line, c.command_line);
  std::string actual = handler(c);
  if (!actual.empty() && actual.back() != '\n') actual += '\n';
  if (actual.find("\n\n") != std::string::npos || actual == "\n") {
    ADD_FAILURE_AT(c.file.c_str(), c.line) << "the output of \"" << c.command_line
                                           << "\" has a blank line, which a testdata file "
                                              "cannot hold:\n"
                                           << actual;
  }
  return actual;
}

void Compare(const DataDrivenCase& c, const std::string& actual) {
  if (actual == c.expected) return;
  ADD_FAILURE_AT(c.file.c_str(), c.line)
      << c.command_line << "\n"
      << c.input << "expected:\n"
      << c.expected << "actual:\n"
      << actual << "(KVLSM_REWRITE_TESTDATA=1 rewrites the expected outputs from the actual.)";
}

std::string Render(const Chunk& chunk, const std::string& actual) {
  if (const auto* line = std::get_if<std::string>(&chunk)) return *line + "\n";
  const DataDrivenCase& c = std::get<DataDrivenCase>(chunk);
  return c.command_line + "\n" + c.input + std::string(kSeparator) + "\n" + actual;
}

}  // namespace

std::vector<DataDrivenArg> ParseDataDrivenArgs(const std::string& text) {
  std::vector<DataDrivenArg> args;
  for (const std::string& word :
       std::vector<std::string>(absl::StrSplit(text, absl::ByAnyChar(" \n"), absl::SkipEmpty()))) {
    std::vector<std::string> kv = absl::StrSplit(word, absl::MaxSplits('=', 1));
    args.push_back({kv[0], kv.size() > 1 ? kv[1] : ""});
  }
  return args;
}

bool RewriteTestData() {
  const char* flag = std::getenv("KVLSM_REWRITE_TESTDATA");
  return flag != nullptr && std::string_view(flag) == "1";
}

void RunDataDrivenFile(const std::string& path, const DataDrivenHandler& handler) {
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  std::vector<Chunk> chunks;
  if (!Parse(path, text.str(), &chunks)) return;
  std::string rewritten;
  for (const Chunk& chunk : chunks) {
    std::string actual;
    if (const auto* c = std::get_if<DataDrivenCase>(&chunk)) {
      actual = RunCase(*c, handler);
      if (!RewriteTestData()) Compare(*c, actual);
    }
    rewritten += Render(chunk, actual);
  }
  if (!RewriteTestData()) return;
  std::ofstream out(path, std::ios::trunc);
  out << rewritten;
  ASSERT_TRUE(out.good()) << "cannot rewrite " << path;
}

}  // namespace kvlsm::test
