#include "actors/read_view.hpp"

#include <stdexcept>

namespace linkly {

read_view::read_view() {
  tables_.push_back(std::make_shared<link_table>());
}

void read_view::attach(std::vector<std::shared_ptr<link_table>> tables) {
  if (tables.empty()) throw std::invalid_argument("a read view needs at least one table");
  tables_ = std::move(tables);
}

bool read_view::find(std::string_view code, link_info* out) const {
  return read(code, [&](const stored_link& l) {
    out->code.assign(l.code());
    out->url.assign(l.url());
    out->version = l.version;
    out->created_at_ms = l.created_at_ms;
    out->updated_at_ms = l.updated_at_ms;
    out->attrs = l.attrs();
    out->incarnation = l.incarnation();
  });
}

bool read_view::find_url(std::string_view code, std::string* url) const {
  return read(code, [&](const stored_link& l) { url->assign(l.url()); });
}

void read_view::upsert(const link_info& link) {
  table_for(link.code).put(link);
}

void read_view::erase(std::string_view code) {
  table_for(code).remove(code);
}

std::size_t read_view::size() const {
  std::size_t n = 0;
  for (const auto& t : tables_) n += t->live_size();
  return n;
}

}  // namespace linkly
