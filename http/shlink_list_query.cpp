#include "http/shlink_list_query.hpp"

#include "http/shlink_json.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

namespace linkly {

namespace {

bool is_order_field(std::string_view field) {
  for (std::string_view known :
       {"shortCode", "longUrl", "dateCreated", "title", "visits", "nonBotVisits"}) {
    if (field == known) return true;
  }
  return false;
}

char fold(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool has_tag(const link_info& link, const std::string& tag) {
  return std::binary_search(link.attrs.tags.begin(), link.attrs.tags.end(), tag);
}

}  // namespace

bool contains_folded(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return fold(a) == fold(b); });
  return it != haystack.end() || needle.empty();
}

bool parse_shlink_list_query(const shlink_target& target, shlink_list_query* out,
                             std::vector<std::string>* invalid) {
  if (auto page = target.param("page")) {
    auto n = shlink_positive_int(*page);
    if (n) {
      out->page = *n;
    } else {
      invalid->emplace_back("page");
    }
  }
  if (auto per_page = target.param("itemsPerPage")) {
    if (*per_page == "-1") {
      out->items_per_page = 0;
    } else if (auto n = shlink_positive_int(*per_page)) {
      out->items_per_page = *n;
    } else {
      invalid->emplace_back("itemsPerPage");
    }
  }
  out->search_term = target.param("searchTerm").value_or("");
  out->tags = target.list("tags");
  if (auto order = target.param("orderBy"); order && !order->empty()) {
    std::string field;
    bool descending = false;
    if (!parse_shlink_order(*order, &field, &descending) || !is_order_field(field)) {
      invalid->emplace_back("orderBy");
    } else {
      out->order_field = field;
      out->descending = descending;
    }
  }
  if (auto mode = target.param("tagsMode")) {
    if (*mode == "all") {
      out->all_tags = true;
    } else if (*mode != "any") {
      invalid->emplace_back("tagsMode");
    }
  }
  auto read_date = [&](const char* name, std::optional<std::int64_t>* ms) {
    if (auto text = target.param(name); text && !text->empty()) {
      *ms = parse_shlink_date(*text);
      if (!*ms) invalid->emplace_back(name);
    }
  };
  read_date("startDate", &out->start_ms);
  read_date("endDate", &out->end_ms);
  out->exclude_max_visits_reached = target.param("excludeMaxVisitsReached") == "true";
  out->exclude_past_valid_until = target.param("excludePastValidUntil") == "true";
  return invalid->empty();
}

std::vector<listed_link> filter_and_order(std::vector<listed_link> links,
                                          const shlink_list_query& query, std::int64_t now_ms) {
  auto keep = [&](const listed_link& item) {
    const link_info& link = item.link;
    const link_attributes& attrs = link.attrs;
    if (query.start_ms && link.created_at_ms < *query.start_ms) return false;
    if (query.end_ms && link.created_at_ms > *query.end_ms) return false;
    if (query.exclude_past_valid_until && attrs.valid_until_ms && *attrs.valid_until_ms < now_ms) {
      return false;
    }
    if (query.exclude_max_visits_reached && attrs.max_visits &&
        item.visits.total >= *attrs.max_visits) {
      return false;
    }
    if (!query.tags.empty()) {
      auto carried = [&](const std::string& tag) { return has_tag(link, tag); };
      bool match = query.all_tags ? std::all_of(query.tags.begin(), query.tags.end(), carried)
                                  : std::any_of(query.tags.begin(), query.tags.end(), carried);
      if (!match) return false;
    }
    if (!query.search_term.empty()) {
      const std::string& term = query.search_term;
      bool hit = contains_folded(link.url, term) || contains_folded(link.code, term) ||
                 contains_folded(attrs.title, term);
      // Shlink also matches tag names, unless filtering by all of given tags.
      if (!hit && (query.tags.empty() || !query.all_tags)) {
        hit = std::any_of(attrs.tags.begin(), attrs.tags.end(),
                          [&](const std::string& tag) { return contains_folded(tag, term); });
      }
      if (!hit) return false;
    }
    return true;
  };
  links.erase(std::remove_if(links.begin(), links.end(), [&](const auto& l) { return !keep(l); }),
              links.end());
  const std::string& field = query.order_field;
  bool desc = field.empty() ? true : query.descending;
  // Ties keep code order (the scan's), so pages are stable.
  auto less = [&](const listed_link& a, const listed_link& b) {
    const link_info& x = a.link;
    const link_info& y = b.link;
    if (field == "shortCode") return x.code < y.code;
    if (field == "longUrl") return x.url < y.url;
    if (field == "title") return x.attrs.title < y.attrs.title;
    if (field == "visits") return a.visits.total < b.visits.total;
    if (field == "nonBotVisits") return a.visits.non_bots < b.visits.non_bots;
    return x.created_at_ms < y.created_at_ms;  // dateCreated, and the default
  };
  std::stable_sort(links.begin(), links.end(), [&](const listed_link& a, const listed_link& b) {
    return desc ? less(b, a) : less(a, b);
  });
  return links;
}

}  // namespace linkly
