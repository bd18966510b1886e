#pragma once
// Deleting visits (DELETE /links/{code}/visits, /visits/orphan and their
// Shlink forms): a VisitsDeleted (schemas/visits_deleted.hpp) appended to
// the clicks log on its own, acknowledged, then the wait until the analytics
// projection has applied it, so that the answer carries how many visits it
// removed and a read after it sees them gone.
//
// The wait polls the projection's checkpoint on the io thread's timer
// (kDeletionPollFirst, doubling up to kDeletionPollMax): no thread blocks,
// and analytics applies a new event within milliseconds.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace linkly {

class analytics_reader;
class click_service;
class io_worker;
class read_view;

/// How long a deletion waits for analytics to apply it before answering
/// 503 (it is recorded by then, and takes effect when analytics catches
/// up): longer than any lag but a rebuild's.
inline constexpr std::chrono::milliseconds kDeletionApplyTimeout{10'000};
/// The first wait between two looks at the projection, and the longest.
inline constexpr std::chrono::milliseconds kDeletionPollFirst{1};
inline constexpr std::chrono::milliseconds kDeletionPollMax{20};

/// What a deletion reads and writes. Each may be null: a deletion then
/// answers unavailable, writing nothing.
struct visits_deletion_sources {
  const read_view* view = nullptr;
  click_service* clicks = nullptr;
  const analytics_reader* analytics = nullptr;
  /// Where the wait runs. Null (tests): the projection is looked at once,
  /// right after the append.
  io_worker* worker = nullptr;
};

struct visits_deletion_result {
  enum class outcome {
    deleted,      // `removed` visits are gone
    not_found,    // no live link has that code; nothing written
    unavailable,  // `error` says why; written or not, it says that too
  };
  outcome result = outcome::unavailable;
  std::uint64_t removed = 0;
  std::string error;
};

/// Called once, on the io thread when there is a worker (else on the
/// click writer's thread or the caller's).
using visits_deletion_callback = std::function<void(visits_deletion_result)>;

/// Forgets the visits of the current life of the live link `code`.
void delete_link_visits(const visits_deletion_sources& sources, const std::string& code,
                        visits_deletion_callback done);

/// Forgets the orphan visits.
void delete_orphan_visits(const visits_deletion_sources& sources, visits_deletion_callback done);

}  // namespace linkly
