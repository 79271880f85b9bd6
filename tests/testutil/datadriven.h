// Golden tests kept in text files, after Pebble's datadriven package. A testdata file is a
// sequence of cases:
//
//   <command> [<word> | <key>=<value>]...      one line
//   <input>                                    zero or more lines
//   ----
//   <expected output>                          zero or more non-blank lines
//   <blank line, or the end of the file>
//
// Outside a case, blank lines and lines starting with '#' are comments. The expected output
// cannot hold a blank line, so a handler must not produce one.
//
// RunDataDrivenFile hands each case to a handler, which returns the actual output, and fails
// the test at the case's file:line, printing the command, the expected and the actual output,
// when they differ. With KVLSM_REWRITE_TESTDATA=1 in the environment it instead rewrites the
// file with every expected output replaced by the actual one, keeping comments, commands and
// inputs as they are; review the diff before committing it.
//
// Thread safety: call from the test's thread only; the handler runs on it.
#ifndef KVLSM_TESTS_TESTUTIL_DATADRIVEN_H_
#define KVLSM_TESTS_TESTUTIL_DATADRIVEN_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace kvlsm::test {

struct DataDrivenArg {
  std::string key;
  std::string value;  // Empty for a bare word.
};

struct DataDrivenCase {
  std::string file;
  int line = 0;              // Of the command line, from 1.
  std::string command_line;  // As written.
  std::string command;       // Its first word.
  std::vector<DataDrivenArg> args;
  std::string input;     // The lines before "----", each ending in '\n'.
  std::string expected;  // The lines after it, each ending in '\n'.
};

// Returns the actual output of a case; a missing final '\n' is added.
using DataDrivenHandler = std::function<std::string(const DataDrivenCase&)>;

// Runs the cases of the file at `path`, in order, through handler (see the top of this file).
// A file that cannot be read or parsed fails the test.
void RunDataDrivenFile(const std::string& path, const DataDrivenHandler& handler);

// Splits `text` at spaces and newlines into arguments: `word` or `key=value`. Handlers use
// it for inputs made of arguments.
std::vector<DataDrivenArg> ParseDataDrivenArgs(const std::string& text);

// True when KVLSM_REWRITE_TESTDATA=1: RunDataDrivenFile rewrites instead of comparing.
bool RewriteTestData();

}  // namespace kvlsm::test

#endif  // KVLSM_TESTS_TESTUTIL_DATADRIVEN_H_
