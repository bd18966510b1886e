#include "storage/record_format.hpp"

#include "schemas/cereal_layout.hpp"

#include <boost/crc.hpp>

#include <cstring>

namespace linkly {

namespace {

// The body is what cereal's binary archive wrote for (seq, type as u16,
// schema_version, timestamp_ms, key, payload), laid out by hand
// (cereal_layout.hpp): every append and every replay goes through here.
// Written straight into the caller's bytes (a log's write buffer, a spool
// segment) from the envelope, which stays const: it may be shared by a
// retried batch or read by another thread while it is encoded.
constexpr std::size_t kBodyFixedBytes = 8 + 2 + 4 + 8 + 8 + 8;  // the numbers and two lengths

template <class T>
char* put_raw(char* out, T value) {
  std::memcpy(out, &value, sizeof(T));
  return out + sizeof(T);
}

char* put_raw_string(char* out, std::string_view s) {
  out = put_raw<std::uint64_t>(out, s.size());
  if (!s.empty()) std::memcpy(out, s.data(), s.size());
  return out + s.size();
}

char* save_body(char* out, const envelope& e, std::uint64_t seq) {
  out = put_raw<std::uint64_t>(out, seq);
  out = put_raw<std::uint16_t>(out, static_cast<std::uint16_t>(e.type));
  out = put_raw<std::uint32_t>(out, e.schema_version);
  out = put_raw<std::int64_t>(out, e.timestamp_ms);
  out = put_raw_string(out, e.key);
  return put_raw_string(out, e.payload);
}

bool load_body(std::string_view body, envelope* e) {
  cereal_layout::reader in(body);
  std::uint16_t type = 0;
  if (!(in.get(&e->seq) && in.get(&type) && in.get(&e->schema_version) &&
        in.get(&e->timestamp_ms) && in.get(&e->key) && in.get(&e->payload))) {
    return false;
  }
  e->type = static_cast<event_type>(type);
  return true;
}

}  // namespace

std::string encode_record_key(std::uint64_t seq) {
  std::string key(kRecordKeySize, '\0');
  for (int i = 7; i >= 0; --i) {
    key[i] = static_cast<char>(seq & 0xff);
    seq >>= 8;
  }
  return key;
}

bool decode_record_key(std::string_view key, std::uint64_t* seq) {
  if (key.size() != kRecordKeySize) return false;
  std::uint64_t v = 0;
  for (char c : key) v = (v << 8) | static_cast<unsigned char>(c);
  *seq = v;
  return true;
}

namespace {

// `crc` is a finished CRC-32C of what came before (0 for nothing).
std::uint32_t crc32c_portable(std::uint32_t crc, std::string_view bytes) {
  // A finished CRC is its register complemented; Boost takes the initial
  // register bit-reversed for a reflected CRC.
  std::uint32_t reg = ~crc;
  std::uint32_t reversed = 0;
  for (int i = 0; i < 32; ++i, reg >>= 1) reversed = (reversed << 1) | (reg & 1);
  boost::crc_optimal<32, 0x1EDC6F41, 0, 0, true, true> engine(reversed);
  engine.process_bytes(bytes.data(), bytes.size());
  return ~engine.checksum();
}

#if defined(__x86_64__)
// SSE4.2 computes CRC-32C in hardware, 8 bytes an instruction: replay reads
// every record's checksum, so this is on the start-up path.
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(std::uint32_t start,
                                                             std::string_view bytes) {
  std::uint64_t crc = ~start;
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    crc = __builtin_ia32_crc32di(crc, word);
  }
  auto crc32 = static_cast<std::uint32_t>(crc);
  for (; n > 0; ++p, --n) crc32 = __builtin_ia32_crc32qi(crc32, static_cast<unsigned char>(*p));
  return crc32 ^ 0xFFFFFFFFu;
}
#endif

}  // namespace

std::uint32_t crc32c_extend(std::uint32_t crc, std::string_view bytes) {
#if defined(__x86_64__)
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  if (hardware) return crc32c_sse42(crc, bytes);
#endif
  return crc32c_portable(crc, bytes);
}

std::uint32_t crc32c(std::string_view bytes) {
  return crc32c_extend(0, bytes);
}

std::size_t record_value_size(const envelope& env) {
  return 4 + kBodyFixedBytes + env.key.size() + env.payload.size();
}

void write_record_value(const envelope& env, std::uint64_t seq, char* out) {
  char* end = save_body(out + 4, env, seq);
  const std::uint32_t crc =
      crc32c(std::string_view(out + 4, static_cast<std::size_t>(end - (out + 4))));
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((crc >> (8 * i)) & 0xff);
}

void encode_record_value(const envelope& env, std::uint64_t seq, std::string* out) {
  out->resize(record_value_size(env));
  write_record_value(env, seq, out->data());
}

std::string encode_record_value(const envelope& env) {
  std::string value;
  encode_record_value(env, env.seq, &value);
  return value;
}

status decode_record_value(std::uint64_t expected_seq, std::string_view value, envelope* out) {
  auto where = [&] { return " at seq " + std::to_string(expected_seq); };
  if (value.size() < 4) return status::corruption("truncated record" + where());
  std::uint32_t stored = 0;
  for (int i = 3; i >= 0; --i) stored = (stored << 8) | static_cast<unsigned char>(value[i]);
  std::string_view body = value.substr(4);
  if (crc32c(body) != stored) return status::corruption("checksum mismatch" + where());
  if (!load_body(body, out)) return status::corruption("undecodable record" + where());
  if (out->seq != expected_seq) {
    return status::corruption("record holds seq " + std::to_string(out->seq) + where());
  }
  return status::ok();
}

std::string encode_batch_record_key(std::uint64_t first, std::uint64_t last) {
  return encode_record_key(last) + encode_record_key(first);
}

bool decode_record_range(std::string_view key, std::uint64_t* first, std::uint64_t* last) {
  if (key.size() == kRecordKeySize) {
    if (!decode_record_key(key, last)) return false;
    *first = *last;
    return true;
  }
  if (key.size() != 2 * kRecordKeySize) return false;
  if (!decode_record_key(key.substr(0, kRecordKeySize), last) ||
      !decode_record_key(key.substr(kRecordKeySize), first)) {
    return false;
  }
  return *first != 0 && *first <= *last;
}

void encode_batch_record(const std::vector<envelope>& events, std::uint64_t first_seq,
                         std::string* out) {
  std::size_t bytes = 0;
  for (const auto& e : events) bytes += 4 + record_value_size(e);
  out->resize(bytes);
  char* p = out->data();
  std::uint64_t seq = first_seq;
  for (const auto& e : events) {
    const auto size = static_cast<std::uint32_t>(record_value_size(e));
    for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((size >> (8 * i)) & 0xff);
    write_record_value(e, seq++, p + 4);
    p += 4 + size;
  }
}

status batch_record_reader::take(std::string_view* value) {
  if (rest_.size() < 4) {
    return status::corruption("batch record cut short at seq " + std::to_string(next_));
  }
  std::uint32_t size = 0;
  for (int i = 3; i >= 0; --i) size = (size << 8) | static_cast<unsigned char>(rest_[i]);
  rest_.remove_prefix(4);
  if (rest_.size() < size) {
    return status::corruption("batch record cut short at seq " + std::to_string(next_));
  }
  *value = rest_.substr(0, size);
  rest_.remove_prefix(size);
  return status::ok();
}

status batch_record_reader::skip_to(std::uint64_t seq) {
  std::string_view ignored;
  while (more() && next_ < seq) {
    if (status st = take(&ignored); !st) return st;
    ++next_;
  }
  return status::ok();
}

status batch_record_reader::next(envelope* out) {
  std::string_view value;
  if (status st = take(&value); !st) return st;
  if (status st = decode_record_value(next_, value, out); !st) return st;
  ++next_;
  return status::ok();
}

status batch_record_reader::finish() const {
  if (!rest_.empty()) {
    return status::corruption("batch record ending at seq " + std::to_string(last_) +
                              " holds more than its events");
  }
  return status::ok();
}

namespace {

void put_u32(std::string* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool get_u32(std::string_view* in, std::uint32_t* v) {
  if (in->size() < 4) return false;
  *v = 0;
  for (int i = 3; i >= 0; --i) *v = (*v << 8) | static_cast<unsigned char>((*in)[i]);
  in->remove_prefix(4);
  return true;
}

}  // namespace

std::string encode_batch(const std::vector<envelope>& batch) {
  std::string out;
  std::size_t bytes = 4;
  for (const auto& env : batch) bytes += 4 + record_value_size(env);
  out.reserve(bytes);
  put_u32(&out, static_cast<std::uint32_t>(batch.size()));
  for (const auto& env : batch) {
    // A batch holds events not (yet) in a log: their seq is stored as 0.
    const std::size_t size = record_value_size(env);
    put_u32(&out, static_cast<std::uint32_t>(size));
    const std::size_t at = out.size();
    out.resize(at + size);
    write_record_value(env, 0, out.data() + at);
  }
  return out;
}

status decode_batch(std::string_view bytes, std::vector<envelope>* out) {
  std::uint32_t count = 0;
  if (!get_u32(&bytes, &count)) return status::corruption("truncated batch");
  out->clear();
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint32_t size = 0;
    if (!get_u32(&bytes, &size) || bytes.size() < size) {
      return status::corruption("truncated batch at entry " + std::to_string(i));
    }
    envelope env;
    status st = decode_record_value(0, bytes.substr(0, size), &env);
    if (!st) return status::corruption("batch entry " + std::to_string(i) + ": " + st.message());
    out->push_back(std::move(env));
    bytes.remove_prefix(size);
  }
  if (!bytes.empty()) return status::corruption("trailing bytes after batch");
  return status::ok();
}

}  // namespace linkly
