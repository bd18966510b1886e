#include "storage/jetstream_streams.hpp"

#include "storage/nats_connection.hpp"

#include <nats/nats.h>

namespace linkly {
namespace {

constexpr std::int64_t kNanosPerMilli = 1'000'000;

void init_config(const stream_spec& spec, const char** subjects, jsStreamConfig* cfg) {
  jsStreamConfig_Init(cfg);
  cfg->Name = spec.name.c_str();
  subjects[0] = spec.subjects.c_str();
  cfg->Subjects = subjects;
  cfg->SubjectsLen = 1;
  cfg->Retention = js_LimitsPolicy;
  cfg->Storage = js_FileStorage;
  cfg->Replicas = static_cast<std::int64_t>(spec.replicas);
  cfg->Duplicates = spec.duplicate_window.count() * kNanosPerMilli;
  // No limit: nothing is ever dropped; a gap would be a lost record.
  cfg->MaxMsgs = -1;
  cfg->MaxBytes = -1;
  cfg->MaxAge = 0;
  cfg->DenyDelete = true;
  cfg->DenyPurge = true;
}

// Each way `have` differs from `want`, "; "-separated ("" when none).
std::string differences(const jsStreamConfig& have, const stream_spec& spec) {
  std::string diff;
  auto add = [&](const std::string& what) { diff += (diff.empty() ? "" : "; ") + what; };
  if (have.SubjectsLen != 1 || spec.subjects != have.Subjects[0]) {
    std::string subjects;
    for (int i = 0; i < have.SubjectsLen; ++i)
      subjects += (i ? "," : "") + std::string(have.Subjects[i]);
    add("subjects are [" + subjects + "], want [" + spec.subjects + "]");
  }
  if (have.Replicas != static_cast<std::int64_t>(spec.replicas)) {
    add("replicas " + std::to_string(have.Replicas) + ", want " + std::to_string(spec.replicas));
  }
  if (have.Storage != js_FileStorage) add("memory storage, want file storage");
  if (have.Retention != js_LimitsPolicy) add("retention is not limits");
  if (have.MaxMsgs > 0 || have.MaxBytes > 0 || have.MaxAge > 0 || have.MaxMsgsPerSubject > 0) {
    add("has a message, byte, age or per-subject limit: records could be dropped");
  }
  std::int64_t want_dup = spec.duplicate_window.count() * kNanosPerMilli;
  if (have.Duplicates != want_dup) {
    add("duplicate window " + std::to_string(have.Duplicates / kNanosPerMilli) + " ms, want " +
        std::to_string(spec.duplicate_window.count()) + " ms");
  }
  return diff;
}

// Fetches the stream's info: not_found when missing.
status get_info(nats_connection& conn, const std::string& name, jsStreamInfo** info) {
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(info, conn.js(), name.c_str(), nullptr, &jerr);
  if (s == NATS_OK) return status::ok();
  if (jerr == JSStreamNotFoundErr || s == NATS_NOT_FOUND) {
    return status::not_found("stream " + name + " does not exist (run `linkly cluster init`)");
  }
  return status::io_error(describe_nats_error(("stream info of " + name).c_str(), s, jerr));
}

status check_info(const jsStreamInfo& info, const stream_spec& spec) {
  std::string diff = differences(*info.Config, spec);
  if (diff.empty()) return status::ok();
  return status::invalid_argument("stream " + spec.name + " exists with another config: " + diff +
                                  " (linkly changes no existing stream; fix or delete it)");
}

}  // namespace

stream_spec links_stream_spec(const cluster_options& opts) {
  return {opts.links_stream, "links.>", opts.replicas, opts.duplicate_window};
}

stream_spec clicks_stream_spec(const cluster_options& opts) {
  return {opts.clicks_stream, "clicks.>", opts.replicas, opts.duplicate_window};
}

status ensure_stream(nats_connection& conn, const stream_spec& spec, stream_setup* done) {
  jsStreamInfo* info = nullptr;
  status st = get_info(conn, spec.name, &info);
  if (st.is_ok()) {
    st = check_info(*info, spec);
    jsStreamInfo_Destroy(info);
    if (st.is_ok()) *done = stream_setup::already_matching;
    return st;
  }
  if (!st.is_not_found()) return st;

  const char* subjects[1];
  jsStreamConfig cfg;
  init_config(spec, subjects, &cfg);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(&info, conn.js(), &cfg, nullptr, &jerr);
  if (s != NATS_OK) {
    // Another `init` may have created it meanwhile: check what is there.
    if (jerr == JSStreamNameExistErr) return check_stream(conn, spec);
    std::string what =
        "creating stream " + spec.name + " (" + std::to_string(spec.replicas) + " replicas)";
    auto err = describe_nats_error(what.c_str(), s, jerr);
    // Bad settings (e.g. more replicas than servers) are not worth a retry;
    // "not enabled" is also what nats.c says when nobody answered yet.
    if (jerr != 0 && jerr != JSNotEnabledErr && jerr != JSClusterNotAvailErr) {
      return status::invalid_argument(err);
    }
    return status::io_error(err);
  }
  jsStreamInfo_Destroy(info);
  *done = stream_setup::created;
  return status::ok();
}

status check_stream(nats_connection& conn, const stream_spec& spec) {
  jsStreamInfo* info = nullptr;
  status st = get_info(conn, spec.name, &info);
  if (!st.is_ok()) return st;
  st = check_info(*info, spec);
  jsStreamInfo_Destroy(info);
  return st;
}

status read_stream_state(nats_connection& conn, const std::string& stream, stream_state* out) {
  jsStreamInfo* info = nullptr;
  status st = get_info(conn, stream, &info);
  if (!st.is_ok()) return st;
  *out = {};
  out->name = stream;
  for (int i = 0; i < info->Config->SubjectsLen; ++i)
    out->subjects.emplace_back(info->Config->Subjects[i]);
  out->replicas = static_cast<std::size_t>(info->Config->Replicas);
  out->messages = info->State.Msgs;
  out->bytes = info->State.Bytes;
  out->first_seq = info->State.FirstSeq;
  out->last_seq = info->State.LastSeq;
  if (info->Cluster != nullptr) {
    if (info->Cluster->Leader != nullptr) out->leader = info->Cluster->Leader;
    for (int i = 0; i < info->Cluster->ReplicasLen; ++i) {
      const jsPeerInfo* p = info->Cluster->Replicas[i];
      out->followers.push_back({p->Name ? p->Name : "", p->Current, p->Offline, p->Lag});
    }
  }
  jsStreamInfo_Destroy(info);
  return status::ok();
}

}  // namespace linkly
