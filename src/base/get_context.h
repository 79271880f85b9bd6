// GetContext: the state of one point lookup as it walks the sources of a DB from newest to
// oldest (active memtable, sealed memtables, then tables).
//
// Each source feeds the entries it holds for the user key, newest first and only those
// visible at the lookup's snapshot, through SaveValue(). A Put or Delete ends the walk; a
// Merge operand is collected and the walk goes on to older entries. Finish() then folds
// collected operands through the MergeOperator.
//
// Thread safety: a GetContext belongs to one lookup on one thread.
#ifndef KVLSM_BASE_GET_CONTEXT_H_
#define KVLSM_BASE_GET_CONTEXT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "base/dbformat.h"
#include "kvlsm/merge_operator.h"

namespace kvlsm {

class GetContext {
 public:
  // merge_operator may be null (then a Merge entry makes the lookup fail with
  // InvalidArgument). *value receives the result; it is left unchanged unless Finish()
  // returns OK.
  GetContext(const MergeOperator* merge_operator, std::string_view user_key, std::string* value);

  // Feeds the next-older entry for the key. Returns true when the lookup needs older
  // entries still (nothing seen yet, or only Merge operands), false when it is decided.
  bool SaveValue(ValueType type, std::string_view value);

  // Records that a source failed (e.g. corruption); the lookup then ends with `status`.
  void SetError(const absl::Status& status) { error_ = status; }

  // Ends the lookup: OK with *value set, NotFound, or the error or merge failure.
  absl::Status Finish();

  // True once SaveValue has returned false or an error was set.
  bool done() const { return done_ || !error_.ok(); }

 private:
  const MergeOperator* const merge_operator_;
  const std::string_view user_key_;
  std::string* const value_;
  bool done_ = false;
  bool found_base_ = false;  // A Put was seen (its value is in base_).
  std::string base_;
  std::vector<std::string> operands_;  // Newest first.
  absl::Status error_;
};

}  // namespace kvlsm

#endif  // KVLSM_BASE_GET_CONTEXT_H_
