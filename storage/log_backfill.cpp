#include "storage/log_backfill.hpp"

#include "storage/leveldb_util.hpp"
#include "storage/record_format.hpp"

#include <leveldb/write_batch.h>

namespace linkly {

status backfill_log(const std::string& dir, const std::vector<envelope>& records) {
  leveldb::Options opts;
  opts.create_if_missing = false;
  std::unique_ptr<leveldb::DB> db;
  if (status st = open_leveldb(dir, opts, &db); !st) return st;
  leveldb::WriteBatch batch;
  for (const envelope& env : records) {
    if (env.seq == 0) return status::invalid_argument("a backfilled record needs a seq");
    batch.Put(encode_record_key(env.seq), encode_record_value(env));
  }
  leveldb::WriteOptions wopts;
  wopts.sync = true;
  return from_leveldb(db->Write(wopts, &batch), "writing to " + dir);
}

}  // namespace linkly
