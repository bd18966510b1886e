#include "storage/click_message.hpp"

#include "storage/record_format.hpp"

namespace linkly {

namespace {
constexpr std::size_t kFirstSeqBytes = 8;
}  // namespace

std::string click_subject(std::string_view node) {
  return "clicks." + std::string(node);
}

std::string encode_click_message(std::uint64_t first_seq, const std::vector<envelope>& clicks) {
  std::string out(kFirstSeqBytes, '\0');
  for (std::size_t i = 0; i < kFirstSeqBytes; ++i) {
    out[i] = static_cast<char>((first_seq >> (8 * i)) & 0xff);
  }
  out += encode_batch(clicks);
  return out;
}

status decode_click_message(std::string_view data, std::uint64_t* first_seq,
                            std::vector<envelope>* clicks) {
  if (data.size() < kFirstSeqBytes) return status::corruption("click message cut short");
  std::uint64_t seq = 0;
  for (std::size_t i = kFirstSeqBytes; i-- > 0;) {
    seq = (seq << 8) | static_cast<unsigned char>(data[i]);
  }
  if (status st = decode_batch(data.substr(kFirstSeqBytes), clicks); !st) {
    return status::corruption("click message: " + st.message());
  }
  if (seq == 0 || clicks->empty()) return status::corruption("click message without clicks");
  *first_seq = seq;
  return status::ok();
}

}  // namespace linkly
