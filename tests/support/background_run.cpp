#include "support/background_run.hpp"

#include <aton/host/checkpoint.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace aton::test::resume {

BackgroundRun::BackgroundRun(const std::vector<std::string>& args, const fs::path& log_prefix)
    : err_(log_prefix.string() + ".err") {
  std::vector<std::string> argv{ATON_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out = log_prefix.string() + ".out";
  pid_ = fork();
  if (pid_ == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = ::open("/dev/null", O_RDONLY);
    if (o < 0 || e < 0 || in < 0) _exit(126);
    dup2(in, 0);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> c_args;
    for (auto& a : argv) c_args.push_back(a.data());
    c_args.push_back(nullptr);
    execv(c_args[0], c_args.data());
    _exit(127);
  }
}

BackgroundRun::~BackgroundRun() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

bool BackgroundRun::running() {
  if (status_ || pid_ <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return false;
}

bool BackgroundRun::send(int signal) {
  if (!running()) return false;
  return ::kill(pid_, signal) == 0;
}

std::optional<int> BackgroundRun::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      status_ = 128 + SIGKILL;
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling the child's exit, bounded above
  }
  return status_;
}

std::string BackgroundRun::err() const { return read_file(err_); }

std::optional<std::size_t> checkpoint_next_chunk(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return aton::host::parse_checkpoint(text.str(), file).next_chunk;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool wait_for_checkpoint(const fs::path& file, std::size_t at_least, BackgroundRun& run,
                         std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto next = checkpoint_next_chunk(file);
    if (next && *next >= at_least) return true;
    if (!run.running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling a file, bounded by the deadline
  }
  return false;
}

namespace {

struct Record {
  std::size_t id;
  std::string name;
  std::string dept;
  bool active;
  std::string score;
  bool late;  // a key first seen after the encoder's sample
};

Record record(std::size_t i) {
  static const char* const kDepts[] = {"Engineering", "Sales", "Operations", "Zoë's team"};
  return {i,
          "user " + std::to_string(i) + (i % 11 == 0 ? ", with \\\"quotes\\\"" : ""),
          kDepts[i % 4],
          i % 3 != 0,
          std::to_string(i % 97) + ".25",
          i > 700 && i % 13 == 0};
}

std::string object_json(std::size_t i) {
  Record r = record(i);
  std::string out = "{\"id\":" + std::to_string(r.id) + ",\"name\":\"" + r.name + "\",\"dept\":\"" + r.dept +
                    "\",\"active\":" + (r.active ? "true" : "false") + ",\"score\":" + r.score;
  if (r.late) out += ",\"late\":\"x" + std::to_string(i) + "\"";
  return out + "}";
}

}  // namespace

std::string records_json(std::size_t count) {
  std::string out = "[";
  for (std::size_t i = 0; i < count; ++i) out += (i ? ",\n " : "\n ") + object_json(i);
  return out + "\n]\n";
}

std::string records_jsonl(std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += object_json(i) + "\n";
  return out;
}

std::string records_tables_json(std::size_t count) {
  return "{\"meta\": {\"note\": \"not a table\"},\n \"users\": " + records_json(count) + "}\n";
}

std::string records_csv(std::size_t count) {
  std::string out = "id,name,dept,active,score\r\n";
  for (std::size_t i = 0; i < count; ++i) {
    Record r = record(i);
    std::string name = "user " + std::to_string(i) + (i % 11 == 0 ? ", with \"\"quotes\"\"" : "");
    out += std::to_string(r.id) + ",\"" + name + "\"," + r.dept + "," + (r.active ? "true" : "false") + "," +
           r.score + "\r\n";
  }
  return out;
}

std::vector<std::string> names_in(const fs::path& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace aton::test::resume
