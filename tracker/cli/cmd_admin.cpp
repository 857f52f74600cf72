// cmd_admin.cpp — `tracker delete RUN` and `tracker gc`: the only commands that write.
#include "command.hpp"
#include "format.hpp"

namespace tracker::cli {

namespace {

const command_spec delete_spec{
    .name = "delete",
    .synopsis = "RUN",
    .description =
        "Marks RUN deleted: it disappears from listings at once and can no longer be\n"
        "resolved; `tracker gc` then removes its rows and media files.",
    .min_positional = 1,
    .max_positional = 1,
};

const command_spec gc_spec{
    .name = "gc",
    .synopsis = "",
    .description = "Removes the rows and media/<run id>/ files of deleted runs.",
    .max_positional = 0,
};

}  // namespace

int cmd_delete(const args& a, context& ctx) {
  return run_command(delete_spec, a, ctx, [&](const parsed_args& p) {
    // Resolve through a reader first: a typo'd RUN or store is refused before anything writes.
    const run_info r = open_store_for_writing(p).run(p.positional[0]);
    delete_run(p.store, r.id);
    ctx.out << "deleted run " << run_label(r) << "; `tracker gc` removes its data\n";
    return exit_code::ok;
  });
}

int cmd_gc(const args& a, context& ctx) {
  return run_command(gc_spec, a, ctx, [&](const parsed_args& p) {
    open_store_for_writing(p);  // refuse a missing store instead of letting gc create one
    const std::size_t purged = gc(p.store);
    ctx.out << "purged " << purged << (purged == 1 ? " deleted run" : " deleted runs") << '\n';
    return exit_code::ok;
  });
}

}  // namespace tracker::cli
