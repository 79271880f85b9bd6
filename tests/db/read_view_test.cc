// ReadView: reads over memtables (active, sealed, or none) and a Version, at the last
// sequence or a snapshot's, with the bound check and the properties it answers alone.
#include "db/read_view.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "db/db_setup.h"
#include "db/snapshot_list.h"
#include "kvlsm/iterator.h"
#include "memtable/memtable.h"

namespace kvlsm {
namespace {

class ReadViewTest : public testing::Test {
 protected:
  ReadViewTest()
      : env_(NewMemEnv()),
        options_(MakeOptions(env_.get())),
        internal_comparator_(options_.comparator),
        table_cache_(std::make_unique<TableCache>(
            MakeTableCacheOptions(options_, "/db", "/db", &internal_comparator_))),
        context_{&options_, &internal_comparator_, table_cache_.get()} {}

  static Options MakeOptions(Env* env) {
    Options options;
    options.env = env;
    return SanitizeOptions(options);
  }

  std::shared_ptr<MemTable> NewMem() { return std::make_shared<MemTable>(internal_comparator_); }

  // An empty Version under `active` and, when given, one sealed memtable.
  std::shared_ptr<ReadState> NewState(std::shared_ptr<MemTable> active,
                                      std::shared_ptr<MemTable> sealed = nullptr) {
    auto state = std::make_shared<ReadState>();
    state->mem = std::move(active);
    if (sealed != nullptr) state->imm.push_back(SealedMemTable{std::move(sealed), 0});
    state->version = std::make_shared<Version>(&internal_comparator_, table_cache_.get());
    return state;
  }

  std::string GetOrStatus(const ReadView& view, std::string_view key,
                          const ReadOptions& options = ReadOptions()) {
    std::string value;
    absl::Status s = view.Get(options, key, &value);
    return s.ok() ? value : s.ToString();
  }

  std::unique_ptr<Env> env_;
  const Options options_;
  const InternalKeyComparator internal_comparator_;
  std::unique_ptr<TableCache> table_cache_;
  const ReadContext context_;
};

TEST_F(ReadViewTest, ActiveMemTableShadowsSealedOnes) {
  auto sealed = NewMem();
  sealed->Add(1, ValueType::kPut, "a", "old");
  sealed->Add(2, ValueType::kPut, "b", "sealed");
  auto active = NewMem();
  active->Add(3, ValueType::kPut, "a", "new");
  active->Add(4, ValueType::kDelete, "b", "");
  const ReadView view(context_, NewState(active, sealed), 4);

  EXPECT_EQ(GetOrStatus(view, "a"), "new");
  std::string value;
  EXPECT_TRUE(absl::IsNotFound(view.Get(ReadOptions(), "b", &value)));
  EXPECT_TRUE(absl::IsNotFound(view.Get(ReadOptions(), "c", &value)));

  auto it = view.NewIterator(ReadOptions());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "a");
  EXPECT_EQ(it->value(), "new");
  it->Next();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST_F(ReadViewTest, SnapshotSequenceWinsOverLastSequence) {
  auto active = NewMem();
  active->Add(1, ValueType::kPut, "a", "first");
  active->Add(2, ValueType::kPut, "a", "second");
  active->Add(3, ValueType::kPut, "a", "unpublished");  // Above the view's sequence.
  const ReadView view(context_, NewState(active), 2);
  EXPECT_EQ(GetOrStatus(view, "a"), "second");

  const SnapshotImpl snapshot(1);
  ReadOptions at_snapshot;
  at_snapshot.snapshot = &snapshot;
  EXPECT_EQ(view.ReadSequence(at_snapshot), 1u);
  EXPECT_EQ(view.ReadSequence(ReadOptions()), 2u);
  EXPECT_EQ(GetOrStatus(view, "a", at_snapshot), "first");
  auto it = view.NewIterator(at_snapshot);
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), "first");
}

TEST_F(ReadViewTest, NoActiveMemTableReadsTheVersion) {
  // A read-only DB whose WALs held nothing.
  const ReadView view(context_, NewState(nullptr), 0);
  std::string value;
  EXPECT_TRUE(absl::IsNotFound(view.Get(ReadOptions(), "a", &value)));
  auto it = view.NewIterator(ReadOptions());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_EQ(view.GetProperty("kvlsm.num-entries-active-mem-table"), "0");
  EXPECT_EQ(view.GetProperty("kvlsm.cur-size-all-mem-tables"), "0");
  EXPECT_EQ(view.MemTables().count, 0u);
}

TEST_F(ReadViewTest, NullValueIsInvalidArgument) {
  const ReadView view(context_, NewState(NewMem()), 0);
  absl::Status s = view.Get(ReadOptions(), "a", nullptr);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_EQ(s.message(), "DB::Get: value is null");
}

TEST_F(ReadViewTest, LowerBoundAboveUpperBoundIsAnErrorIterator) {
  const ReadView view(context_, NewState(NewMem()), 0);
  ReadOptions options;
  options.lower_bound = "m";
  options.upper_bound = "c";
  auto it = view.NewIterator(options);
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(absl::IsInvalidArgument(it->status())) << it->status();
  EXPECT_EQ(it->status().message(),
            "DB::NewIterator: ReadOptions::lower_bound is above upper_bound");
}

TEST_F(ReadViewTest, PropertiesOfTheViewAndTheCaches) {
  auto sealed = NewMem();
  sealed->Add(1, ValueType::kPut, "a", "1");
  auto active = NewMem();
  active->Add(2, ValueType::kPut, "b", "2");
  active->Add(3, ValueType::kDelete, "a", "");
  const ReadView view(context_, NewState(active, sealed), 3);

  EXPECT_EQ(view.GetProperty("kvlsm.num-immutable-mem-table"), "1");
  EXPECT_EQ(view.GetProperty("kvlsm.num-entries-active-mem-table"), "2");
  EXPECT_EQ(view.GetProperty("kvlsm.last-sequence"), "3");
  EXPECT_EQ(view.GetProperty("kvlsm.num-files-at-level0"), "0");
  EXPECT_EQ(view.GetProperty("kvlsm.total-table-bytes"), "0");
  EXPECT_EQ(view.GetProperty("kvlsm.cur-size-all-mem-tables"),
            std::to_string(active->ApproximateMemoryUsage() + sealed->ApproximateMemoryUsage()));
  EXPECT_TRUE(view.GetProperty("kvlsm.block-cache-capacity").has_value());
  // Names the owning DB answers, or nobody does.
  EXPECT_EQ(view.GetProperty("kvlsm.num-files-at-level9"), std::nullopt);
  EXPECT_EQ(view.GetProperty("kvlsm.num-snapshots"), std::nullopt);
  EXPECT_EQ(view.GetProperty("kvlsm.stats"), std::nullopt);

  const MemTableTotals totals = view.MemTables();
  EXPECT_EQ(totals.count, 2u);
  EXPECT_EQ(totals.entries, 3u);
  EXPECT_EQ(totals.deletes, 1u);
}

}  // namespace
}  // namespace kvlsm
