// test_gen: a source that generates `count` records, for the host's tests.
//
//   {"plugin": "test_gen", "count": 1000, "fail_at": 500, "total_known": false}
//
// Records: {"id": i, "name": "user<i>", "group": "a"|"b"|"c", "active": bool,
// "score": "<i>.5" as number text}. fail_at makes next_batch fail when it
// reaches that record; depth nests a field that deep (to provoke the host's
// limit); late_key_at adds a key after the encoder's sample (to provoke
// on_new_key: error); announce reports a total other than count (a source
// that ends short of, or past, the total it announced). trace appends
// "+N" to that file (O_APPEND, shared with test_sink's trace) once it has
// made a batch of N records, so that a test sees from outside how far the
// source ran ahead of the sink.
#include <aton/plugin.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <string>

namespace {

class GenSource : public aton::sdk::Source {
 public:
  explicit GenSource(const aton::sdk::Context& context)
      : count_(static_cast<std::size_t>(context.config.integer("count", 10))),
        fail_at_(context.config.integer("fail_at", -1)),
        depth_(context.config.integer("depth", 0)),
        late_key_at_(context.config.integer("late_key_at", -1)),
        total_known_(context.config.boolean("total_known", true)),
        announced_(context.config.integer("announce", -1)),
        table_(context.config.string("table", "records")) {
    std::string trace = context.config.string("trace");
    if (!trace.empty()) {
      trace_fd_ = ::open(trace.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (trace_fd_ < 0) throw std::runtime_error("test_gen: cannot open " + trace);
    }
  }
  ~GenSource() override {
    if (trace_fd_ >= 0) ::close(trace_fd_);
  }

  std::string table() const override { return table_; }

  std::size_t next_batch(aton::sdk::RecordBuilder& out, std::size_t max_records) override {
    std::size_t n = 0;
    while (n < max_records && next_ < count_) {
      if (fail_at_ >= 0 && next_ == static_cast<std::size_t>(fail_at_))
        throw std::runtime_error("test_gen: planned failure at record " + std::to_string(next_));
      emit(out, next_);
      ++next_;
      ++n;
    }
    if (trace_fd_ >= 0 && n > 0) {
      std::string line = "+" + std::to_string(n) + "\n";
      if (::write(trace_fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        throw std::runtime_error("test_gen: cannot write its trace");
    }
    return n;
  }

  aton_source_position position() const override {
    aton_source_position p{};
    p.struct_size = sizeof p;
    p.records = next_;
    p.bytes = next_ * 10;
    p.total_records = !total_known_ ? -1 : announced_ >= 0 ? announced_ : static_cast<std::int64_t>(count_);
    p.total_bytes = total_known_ ? -1 : static_cast<std::int64_t>(count_ * 10);
    return p;
  }

 private:
  void emit(aton::sdk::RecordBuilder& out, std::size_t i) const {
    static const char* const kGroups[] = {"alpha", "beta", "gamma"};
    out.begin_object();
    out.key("id");
    out.integer(static_cast<std::int64_t>(i));
    out.key("name");
    out.string("user" + std::to_string(i));
    out.key("group");
    out.string(kGroups[i % 3]);
    out.key("active");
    out.boolean(i % 2 == 0);
    out.key("score");
    out.number_text(std::to_string(i) + ".5");
    if (late_key_at_ >= 0 && i >= static_cast<std::size_t>(late_key_at_)) {
      out.key("late");
      out.integer(1);
    }
    if (depth_ > 0) {
      out.key("deep");
      for (std::int64_t d = 0; d < depth_; ++d) out.begin_array();
      for (std::int64_t d = 0; d < depth_; ++d) out.end_array();
    }
    out.end_object();
  }

  std::size_t count_;
  std::int64_t fail_at_;
  std::int64_t depth_;
  std::int64_t late_key_at_;
  bool total_known_;
  std::int64_t announced_;
  std::string table_;
  std::size_t next_ = 0;
  int trace_fd_ = -1;
};

const aton_option kOptions[] = {
    {"count", "integer", "10", 0, "How many records to generate.", "{\"minimum\":0}"},
    {"fail_at", "integer", "-1", 0, "Fail when reaching this record (-1: never).", nullptr},
    {"depth", "integer", "0", 0, "Nest a field this deep (0: none).", "{\"minimum\":0}"},
    {"late_key_at", "integer", "-1", 0, "From this record on, add a key \"late\" (-1: never).", nullptr},
    {"total_known", "boolean", "true", 0, "Report the total up front.", nullptr},
    {"table", "string", "\"records\"", 0, "The table's name.", nullptr},
    {"announce", "integer", "-1", 0, "The total to report (-1: count).", nullptr},
    {"trace", "path", nullptr, 0, "Append +N to this file after each batch of N records.", nullptr},
};

}  // namespace

ATON_SOURCE_PLUGIN(GenSource, "test_gen", "0.1.0", "Generates records for tests.", kOptions)
