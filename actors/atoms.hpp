#pragma once
// The atoms that name linkly's actor messages (CAF 0.17 atom constants).

#include <caf/atom.hpp>

namespace linkly {

using append_atom = caf::atom_constant<caf::atom("append")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using replay_atom = caf::atom_constant<caf::atom("replay")>;
using write_atom = caf::atom_constant<caf::atom("write")>;
using create_atom = caf::atom_constant<caf::atom("create")>;
using update_atom = caf::atom_constant<caf::atom("update")>;
using delete_atom = caf::atom_constant<caf::atom("delete")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using history_atom = caf::atom_constant<caf::atom("history")>;
using as_of_atom = caf::atom_constant<caf::atom("as_of")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using redrive_atom = caf::atom_constant<caf::atom("redrive")>;
using import_atom = caf::atom_constant<caf::atom("import")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;
using apply_atom = caf::atom_constant<caf::atom("apply")>;

}  // namespace linkly
