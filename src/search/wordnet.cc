#include "search/wordnet.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string_view>

#include "base/fs.h"
#include "base/text.h"

namespace qimg {

struct Wordnet::File {
  const char* data = nullptr;
  size_t size = 0;
  ~File() {
    if (data) ::munmap(const_cast<char*>(data), size);
  }
  static std::unique_ptr<File> Map(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    struct stat st;
    if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
      ::close(fd);
      return nullptr;
    }
    void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) return nullptr;
    auto f = std::make_unique<File>();
    f->data = static_cast<const char*>(p);
    f->size = static_cast<size_t>(st.st_size);
    return f;
  }
  // The line starting at or containing offset.
  std::string_view LineAt(size_t offset) const {
    if (offset >= size) return {};
    size_t start = offset;
    while (start > 0 && data[start - 1] != '\n') --start;
    size_t end = offset;
    while (end < size && data[end] != '\n') ++end;
    return std::string_view(data + start, end - start);
  }
};

struct Wordnet::Pos {
  std::unique_ptr<File> index;
  std::unique_ptr<File> data;

  // Binary search over lines for "lemma ": index files are sorted by lemma (bytewise).
  std::string_view FindIndexLine(const std::string& lemma) const {
    size_t lo = 0, hi = index->size;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      std::string_view line = index->LineAt(mid);
      size_t line_start = static_cast<size_t>(line.data() - index->data);
      if (line.empty() || line[0] == ' ') {  // license header lines start with two spaces
        lo = line_start + line.size() + 1;
        continue;
      }
      std::string_view key = line.substr(0, line.find(' '));
      if (key == lemma) return line;
      if (key < lemma) lo = line_start + line.size() + 1;
      else hi = line_start;
    }
    return {};
  }

  // Words of the synset at a data-file byte offset, plus its hypernym offsets.
  void ReadSynset(size_t offset, std::vector<std::string>* words,
                  std::vector<size_t>* hypernyms) const {
    if (offset >= data->size) return;
    std::string_view line = data->LineAt(offset);
    std::istringstream in{std::string(line.substr(0, line.find(" | ")))};
    std::string off, lexfile, type, wcnt_hex;
    in >> off >> lexfile >> type >> wcnt_hex;
    int wcnt = static_cast<int>(std::strtol(wcnt_hex.c_str(), nullptr, 16));
    for (int i = 0; i < wcnt && in; ++i) {
      std::string w, lexid;
      in >> w >> lexid;
      auto paren = w.find('(');  // adjective markers like "(a)"
      if (paren != std::string::npos) w = w.substr(0, paren);
      words->push_back(ToLowerAscii(ReplaceAll(w, "_", " ")));
    }
    int pcnt = 0;
    in >> pcnt;
    for (int i = 0; i < pcnt && in; ++i) {
      std::string sym, target, pos, srctgt;
      in >> sym >> target >> pos >> srctgt;
      if ((sym == "@" || sym == "@i") && hypernyms) hypernyms->push_back(std::strtoull(target.c_str(), nullptr, 10));
    }
  }
};

Wordnet::~Wordnet() = default;

Result<std::unique_ptr<Wordnet>> Wordnet::Open(const std::string& dir) {
  std::unique_ptr<Wordnet> wn(new Wordnet());
  for (const char* pos : {"noun", "verb", "adj"}) {
    auto p = std::make_unique<Pos>();
    p->index = File::Map(JoinPath(dir, std::string("index.") + pos));
    p->data = File::Map(JoinPath(dir, std::string("data.") + pos));
    if (!p->index || !p->data) {
      if (std::string(pos) == "noun")
        return Status::Unavailable("WordNet not found in " + dir + " (install package wordnet-base)");
      continue;
    }
    wn->parts_.push_back(std::move(p));
  }
  return wn;
}

WordnetExpansion Wordnet::Expand(const std::string& word, int max_senses, int max_synonyms,
                                 int max_hypernyms) const {
  WordnetExpansion out;
  std::string lemma = ToLowerAscii(Trim(word));
  if (lemma.empty() || lemma.find(' ') != std::string::npos) return out;
  std::set<std::string> seen = {lemma};
  auto add = [&](std::vector<std::string>* list, const std::string& w, int max) {
    if (static_cast<int>(list->size()) >= max) return;
    if (w.size() < 2 || !seen.insert(w).second) return;
    list->push_back(w);
  };
  for (const auto& part : parts_) {
    std::string_view line = part->FindIndexLine(lemma);
    if (line.empty()) continue;
    // lemma pos synset_cnt p_cnt [ptr_symbol]{p_cnt} sense_cnt tagsense_cnt offsets...
    std::istringstream in{std::string(line)};
    std::string l, pos;
    int synset_cnt = 0, p_cnt = 0;
    in >> l >> pos >> synset_cnt >> p_cnt;
    for (int i = 0; i < p_cnt; ++i) {
      std::string sym;
      in >> sym;
    }
    int sense_cnt = 0, tagsense_cnt = 0;
    in >> sense_cnt >> tagsense_cnt;
    std::vector<size_t> offsets;
    for (int i = 0; i < synset_cnt && in; ++i) {
      std::string off;
      in >> off;
      offsets.push_back(std::strtoull(off.c_str(), nullptr, 10));
    }
    for (int s = 0; s < static_cast<int>(offsets.size()) && s < max_senses; ++s) {
      std::vector<std::string> words;
      std::vector<size_t> hyper;
      part->ReadSynset(offsets[s], &words, &hyper);
      for (const auto& w : words) add(&out.synonyms, w, max_synonyms);
      if (s == 0) {
        for (size_t h : hyper) {
          std::vector<std::string> hw;
          part->ReadSynset(h, &hw, nullptr);
          if (!hw.empty()) add(&out.hypernyms, hw[0], max_hypernyms);
        }
      }
    }
    break;  // the first part of speech that knows the word decides
  }
  return out;
}

}  // namespace qimg
