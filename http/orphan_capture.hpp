#pragma once
// The orphan visit a redirect miss records (schemas/orphan_visit.hpp).
// Internal to the redirect route.

#include "http/router.hpp"
#include "schemas/orphan_visit.hpp"

#include <string_view>

namespace linkly {

/// The OrphanVisit envelope of `req`, a miss of kind `kind`, at `now_ms`:
/// the headers read and bounded as a click's (capture_click_view), the
/// target cut to kMaxVisitedUrlBytes.
envelope capture_orphan(const http_request& req, const click_headers& names,
                        std::string_view client_address, orphan_kind kind, std::int64_t now_ms);

}  // namespace linkly
