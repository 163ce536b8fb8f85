// A synthetic library for benchmarks: n assets with realistic paths (year/month-place-event
// folders of 50-200 photos), folder contexts and facts (captions, tags), written directly
// through the store API (no image files). Deterministic (fixed seed). Used by search_bench and
// query_bench.
#pragma once

#include <string>

namespace qimg::bench {

// Creates (migrating) the database at db_path and fills it; prints the build time. False after
// printing the first failure. Asset ids are "#<10000000 + i>".
bool BuildLibrary(const std::string& db_path, int n);

}  // namespace qimg::bench
