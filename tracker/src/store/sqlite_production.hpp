// sqlite_production.hpp — builds the SQLite production_tables on a backend's connection.
#pragma once

#include "store/production_tables.hpp"

#include <memory>

struct sqlite3;

namespace tracker::store {

// db is the owning backend's handle (a reference: the backend opens it after constructing this).
std::unique_ptr<production_tables> make_sqlite_production(sqlite3*& db);

}  // namespace tracker::store
