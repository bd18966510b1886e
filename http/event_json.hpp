#pragma once
// One logged event as JSON, the shape `linkly log dump`, `/events` and
// `linkly log tail` all print:
//   {"seq","type","schema_version","at","key","event":{...the payload...}}
// The payload of an event this build cannot decode is shown as {}.

#include "schemas/envelope.hpp"

#include <boost/json/object.hpp>

namespace linkly {

boost::json::object envelope_json(const envelope& env);

}  // namespace linkly
