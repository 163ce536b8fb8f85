// Collection masks as real globs. Supported: brace alternatives "{jpg,png}" (nested, expanded
// first), "**" (any number of whole path segments, including none), "*" (any run inside one
// segment), "?" (one character), "[abc]" / "[a-z]" / "[!x]". Matching ignores ASCII case, so
// "*.jpg" matches "IMG.JPG". A mask without '/' is matched against the file name alone (like
// .gitignore), so "*.png" finds PNGs in every folder.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace qimg {

class GlobMask {
 public:
  // InvalidArgument for an empty mask, unbalanced braces or brackets, or more than 256
  // alternatives after brace expansion.
  static Result<GlobMask> Compile(const std::string& mask);
  // rel_path uses '/' separators and no leading '/'.
  bool Matches(const std::string& rel_path) const;
  const std::vector<std::string>& alternatives() const { return alternatives_; }

 private:
  std::vector<std::string> alternatives_;  // brace-free patterns
};

// Whole-string shell pattern match ('*' crosses '/', '?', sets), case-sensitive: the rules of
// `multi-get --glob` (SPEC §10.3).
bool ShellPatternMatch(const std::string& pattern, const std::string& text);

}  // namespace qimg
