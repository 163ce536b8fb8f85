#include "search/filters.h"

#include "base/time_util.h"

namespace qimg {
namespace {

constexpr const char* kDateForms = "expected YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS";

Result<std::optional<std::string>> DateBound(const std::optional<std::string>& text,
                                             const char* flag, bool upper) {
  if (!text) return std::optional<std::string>();
  auto bound = ParseDateBound(*text, upper);
  if (!bound)
    return Status::InvalidArgument(std::string(flag) + ": '" + *text + "' is not a date (" +
                                   kDateForms + ")");
  return std::optional<std::string>(*bound);
}

}  // namespace

Result<AssetFilter> ParseFilterArgs(const FilterArgs& args) {
  AssetFilter f;
  f.collection = args.collection;
  if (args.path_prefix) {
    std::string p = *args.path_prefix;
    constexpr std::string_view kScheme = "qimg://";
    if (p.compare(0, kScheme.size(), kScheme) == 0) {
      std::string rest = p.substr(kScheme.size());
      auto slash = rest.find('/');
      std::string name = rest.substr(0, slash);
      if (name.empty())
        return Status::InvalidArgument("--path-prefix: '" + p + "' names no collection");
      if (f.collection && *f.collection != name)
        return Status::InvalidArgument("--path-prefix: '" + p + "' is in collection '" + name +
                                       "' but -c says '" + *f.collection + "'");
      f.collection = name;
      p = slash == std::string::npos ? "" : rest.substr(slash + 1);
    }
    if (!p.empty()) f.path_prefix = p;
  }
  QIMG_ASSIGN_OR_RETURN(f.captured_from, DateBound(args.after, "--after", false));
  QIMG_ASSIGN_OR_RETURN(f.captured_to, DateBound(args.before, "--before", true));
  if (args.min_width && *args.min_width < 0)
    return Status::InvalidArgument("--min-width must not be negative");
  if (args.min_height && *args.min_height < 0)
    return Status::InvalidArgument("--min-height must not be negative");
  f.min_width = args.min_width;
  f.min_height = args.min_height;
  return f;
}

}  // namespace qimg
