#include "responses_file.hpp"

#include "../file/parent_folders.hpp"

#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <stdexcept>

namespace aton::sinks {

namespace {

// The bytes of `path` from `offset` on, when it is the regular file `id`
// (opened without following a symlink); nothing otherwise: adopt() then
// says what is wrong with it.
std::optional<std::string> tail_of(const std::filesystem::path& path, const aton::FileId& id, std::uint64_t offset) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st{};
  std::optional<std::string> out;
  bool same = ::fstat(fd, &st) == 0;
  // aton::FileId's device is (major << 32) | minor, as statx gives it.
  std::uint64_t device = (static_cast<std::uint64_t>(major(st.st_dev)) << 32) | minor(st.st_dev);
  if (same && S_ISREG(st.st_mode) && device == id.device &&
      static_cast<std::uint64_t>(st.st_ino) == id.inode && static_cast<std::uint64_t>(st.st_size) >= offset) {
    out.emplace();
    char buffer[65536];
    off_t at = static_cast<off_t>(offset);
    for (;;) {
      ssize_t n = ::pread(fd, buffer, sizeof buffer, at);
      if (n <= 0) break;
      out->append(buffer, static_cast<std::size_t>(n));
      at += n;
    }
  }
  ::close(fd);
  return out;
}

}  // namespace

std::string response_line(std::uint64_t chunk_id, long status, std::string_view body, const std::string& pointer) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  w.StartObject();
  w.Key("chunk_id");
  w.Uint64(chunk_id);
  w.Key("status");
  w.Int64(status);
  w.Key("body");
  rapidjson::Document parsed;
  parsed.Parse<rapidjson::kParseFullPrecisionFlag>(body.data(), body.size());
  if (parsed.HasParseError()) {
    w.String(body.data(), static_cast<rapidjson::SizeType>(body.size()));
  } else if (pointer.empty()) {
    parsed.Accept(w);
  } else {
    const rapidjson::Value* part = rapidjson::Pointer(pointer.c_str()).Get(parsed);
    if (part) {
      part->Accept(w);
    } else {
      // The whole answer, and what was not in it: a refusal or an error in a
      // 2xx stays readable instead of vanishing into a null.
      parsed.Accept(w);
      w.Key("missing");
      w.String(pointer.c_str());
    }
  }
  w.EndObject();
  return {out.GetString(), out.GetSize()};
}

ResponsesFile::ResponsesFile(const std::filesystem::path& path, std::string pointer)
    : file_((create_parent_folders(path), path)), pointer_(std::move(pointer)) {
  if (file_.direct())
    throw std::runtime_error("responses " + path.string() + " is not a regular file; give the path of a file");
}

void ResponsesFile::record(std::uint64_t chunk_id, long status, std::string_view body) {
  if (complete_) return;
  std::string line = response_line(chunk_id, status, body, pointer_);
  line += '\n';
  file_.write(line);
  lines_ = chunk_id + 1;
}

void ResponsesFile::resume(const rapidjson::Value& state) {
  auto count = [&](const char* name) {
    auto it = state.FindMember(name);
    if (it == state.MemberEnd() || !it->value.IsUint64())
      throw std::runtime_error(std::string("the saved state of responses lacks \"") + name +
                               "\"; run again without --resume");
    return it->value.GetUint64();
  };
  auto temp = state.FindMember("temp");
  if (temp == state.MemberEnd() || !temp->value.IsString())
    throw std::runtime_error("the saved state of responses lacks \"temp\"; run again without --resume");
  std::filesystem::path path(temp->value.GetString());
  aton::FileId id{count("device"), count("inode"), count("born_ns")};
  std::uint64_t length = count("length");
  lines_ = count("lines");
  // Whole lines written after the checkpoint, continuing the order, stay.
  if (auto tail = tail_of(path, id, length)) {
    std::size_t at = 0;
    for (;;) {
      std::size_t end = tail->find('\n', at);
      if (end == std::string::npos) break;
      rapidjson::Document line;
      line.Parse(tail->data() + at, end - at);
      auto chunk = line.IsObject() ? line.FindMember("chunk_id") : line.MemberEnd();
      if (line.HasParseError() || !line.IsObject() || chunk == line.MemberEnd() || !chunk->value.IsUint64() ||
          chunk->value.GetUint64() != lines_)
        break;
      ++lines_;
      length += end + 1 - at;
      at = end + 1;
    }
  }
  complete_ = file_.adopt(path, id, length) == aton::OutputFile::Adoption::already_in_place;
}

void ResponsesFile::commit(bool durable) {
  if (!file_.commit(durable)) throw std::runtime_error("cannot write " + file_.target().string());
  file_.remove_stale_temps();
}

}  // namespace aton::sinks
