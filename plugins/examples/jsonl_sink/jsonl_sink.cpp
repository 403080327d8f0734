// The "jsonl" sink: the streaming guide's WebSocket envelope, one JSON object
// per line (JSON Lines), to a file or to standard output:
//   {"type":"data_chunk","chunkId":0,"totalChunks":3,"data":"...","progress":0.33}
// totalChunks is null while the total is unknown.
//
// Written only against the installed SDK (<aton/plugin.hpp>), as a
// third-party plugin would be; it is built outside the aton tree.
#include <aton/plugin.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace {

class JsonlSink : public aton::sdk::Sink {
 public:
  explicit JsonlSink(const aton::sdk::Context& context) : path_(context.config.string("path")) {
    if (path_.empty()) {
      out_ = stdout;
      return;
    }
    out_ = std::fopen(path_.c_str(), "wb");
    if (!out_) throw std::runtime_error("cannot open " + path_ + ": " + std::strerror(errno));
  }
  ~JsonlSink() override {
    if (out_ && out_ != stdout) std::fclose(out_);
  }

  void write(const aton_chunk& chunk) override {
    line_.Clear();
    rapidjson::Writer<rapidjson::StringBuffer> json(line_);
    json.StartObject();
    json.Key("type");
    json.String("data_chunk");
    json.Key("chunkId");
    json.Uint64(chunk.chunk_id);
    json.Key("totalChunks");
    if (chunk.total_chunks >= 0)
      json.Int64(chunk.total_chunks);
    else
      json.Null();
    json.Key("data");
    json.String(chunk.data, static_cast<rapidjson::SizeType>(chunk.size));
    json.Key("progress");
    json.Double(chunk.progress);
    json.EndObject();
    // One line per chunk, flushed, so a reader sees each chunk as it comes.
    if (std::fwrite(line_.GetString(), 1, line_.GetSize(), out_) != line_.GetSize() ||
        std::fputc('\n', out_) == EOF || std::fflush(out_) != 0)
      throw std::runtime_error("cannot write chunk " + std::to_string(chunk.chunk_id) + " to " +
                               (path_.empty() ? std::string("stdout") : path_) + ": " +
                               std::strerror(errno));
  }

 private:
  std::string path_;
  std::FILE* out_ = nullptr;
  rapidjson::StringBuffer line_;
};

const aton_option kOptions[] = {
    {"path", "path", nullptr, 0, "The file to write; standard output when absent.", nullptr},
};

}  // namespace

ATON_SINK_PLUGIN(JsonlSink, "jsonl", "1.0.0",
                 "Writes each chunk as a JSON line: the guide's WebSocket envelope.", kOptions)
