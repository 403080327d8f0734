#include "jetstream_link.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>

namespace aton::sinks::nats {
namespace {

using Millis = std::chrono::milliseconds;

// nats.c's own words for a failure, with the detail it keeps for this
// thread ("Connection refused", "Authorization Violation").
std::string status_text(natsStatus status) {
  std::string text = natsStatus_GetText(status);
  natsStatus last = NATS_OK;
  const char* last_error = nats_GetLastError(&last);
  std::string detail = last_error && last == status ? last_error : "";
  // "(conn.c:2088): No server available for connection": the place is nats.c's, not the user's.
  if (!detail.empty() && detail.front() == '(')
    if (std::size_t end = detail.find("): "); end != std::string::npos) detail.erase(0, end + 3);
  if (!detail.empty() && detail != text) text += ": " + detail;
  return text;
}

// Failures that pass by themselves: no server yet, a dropped connection,
// a timeout. Everything else (refused credentials, TLS, bad arguments) does not.
bool passes(natsStatus status) {
  switch (status) {
    case NATS_NO_SERVER:
    case NATS_IO_ERROR:
    case NATS_TIMEOUT:
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_STALE_CONNECTION:
    case NATS_NOT_YET_CONNECTED:
    case NATS_NO_RESPONDERS:
      return true;
    default:
      return false;
  }
}

// JetStream answers that pass by themselves: a cluster still electing its
// leader or gathering its peers (at start, after a node is lost); no code.
bool passes(jsErrCode code) {
  if (static_cast<int>(code) == 0) return true;
  switch (code) {
    case JSClusterIncompleteErr:
    case JSClusterNoPeersErr:
    case JSClusterNotAvailErr:
    case JSClusterNotLeaderErr:
      return true;
    default:
      return false;
  }
}

void must(natsStatus status, const char* doing) {
  if (status != NATS_OK) throw LinkError(std::string(doing) + ": " + status_text(status), passes(status));
}

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::size_t header_bytes(const Headers& headers) {
  std::size_t n = std::string_view("NATS/1.0\r\n").size() + 2;
  for (const auto& [name, value] : headers) n += name.size() + 2 + value.size() + 2;
  return n;
}

JetStreamLink::JetStreamLink(const NatsSettings& settings, std::function<void(const std::string&)> warn)
    : settings_(settings), warn_(std::move(warn)) {
  try {
    must(natsOptions_Create(&options_), "making the connection's options");
    std::vector<const char*> servers;
    for (const auto& url : settings_.urls) servers.push_back(url.c_str());
    must(natsOptions_SetServers(options_, servers.data(), static_cast<int>(servers.size())), "reading url");
    natsOptions_SetNoRandomize(options_, true);  // in the order given
    natsOptions_SetName(options_, "aton nats sink");
    natsOptions_SetTimeout(options_, std::max<std::int64_t>(1, settings_.connect_timeout.count()));
    // Reconnects go on in the background while the link lives; how long a
    // chunk may wait for one is the sink's retry policy's to bound.
    natsOptions_SetAllowReconnect(options_, true);
    natsOptions_SetMaxReconnect(options_, -1);
    natsOptions_SetReconnectWait(options_, 100);
    natsOptions_SetReconnectJitter(options_, 100, 500);
    natsOptions_SetPingInterval(options_, 5000);
    if (!settings_.user.empty())
      must(natsOptions_SetUserInfo(options_, settings_.user.c_str(), settings_.password.c_str()), "setting user");
    if (!settings_.token.empty()) must(natsOptions_SetToken(options_, settings_.token.c_str()), "setting token");
    if (!settings_.creds_file.empty())
      must(natsOptions_SetUserCredentialsFromFiles(options_, settings_.creds_file.c_str(), nullptr),
           "reading creds_file");

    natsStatus status = natsConnection_Connect(&connection_, options_);
    if (status != NATS_OK)
      throw LinkError("could not connect to " + settings_.shown_urls + ": " + status_text(status), passes(status));
    max_bytes_ = natsConnection_GetMaxPayload(connection_);
    max_limit_ = "the server's max_payload";

    natsInbox* inbox = nullptr;
    must(natsInbox_Create(&inbox), "making an inbox");
    inbox_ = inbox;
    natsInbox_Destroy(inbox);
    must(natsConnection_SubscribeSync(&acks_, connection_, (inbox_ + ".*.*").c_str()),
         "subscribing to the acknowledgements");
    // Acknowledgements are small and few (max_in_flight): no limit bites.
    natsSubscription_SetPendingLimits(acks_, -1, -1);

    jsOptions js_options;
    jsOptions_Init(&js_options);
    js_options.Wait = std::max<std::int64_t>(1, settings_.connect_timeout.count());
    must(natsConnection_JetStream(&js_, connection_, &js_options), "opening JetStream");
    if (!settings_.stream.empty()) ensure_stream();
  } catch (...) {
    release();  // the destructor does not run for a constructor that throws
    throw;
  }
}

JetStreamLink::~JetStreamLink() { release(); }

void JetStreamLink::release() noexcept {
  if (js_) jsCtx_Destroy(js_), js_ = nullptr;
  if (acks_) natsSubscription_Destroy(acks_), acks_ = nullptr;
  if (connection_) {
    natsConnection_Close(connection_);
    natsConnection_Destroy(connection_);
    connection_ = nullptr;
  }
  if (options_) natsOptions_Destroy(options_), options_ = nullptr;
}

void JetStreamLink::ensure_stream() {
  const std::string& name = settings_.stream;
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus status = js_GetStreamInfo(&info, js_, name.c_str(), nullptr, &code);
  if (status != NATS_OK && code == JSStreamNotFoundErr) {
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    config.Name = name.c_str();
    const char* subjects[] = {settings_.subject.c_str()};
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    config.Duplicates = settings_.duplicate_window.count() * 1'000'000;  // nanoseconds
    config.Replicas = static_cast<int64_t>(settings_.replicas);
    code = static_cast<jsErrCode>(0);
    status = js_AddStream(&info, js_, &config, nullptr, &code);
    if (status != NATS_OK && code == JSStreamNameExistErr)  // another worker made it first
      status = js_GetStreamInfo(&info, js_, name.c_str(), nullptr, &code);
    else if (status == NATS_OK && warn_)
      warn_("created the JetStream stream " + name + " for the subject " + settings_.subject);
  }
  if (status != NATS_OK) {
    std::string why = status_text(status);
    if (status == NATS_NO_RESPONDERS) why = "JetStream did not answer (is it enabled on the server, -js?)";
    if (code != 0) why += " (JetStream error " + std::to_string(static_cast<int>(code)) + ")";
    throw LinkError("could not find or create the JetStream stream " + name + " at " + settings_.shown_urls + ": " +
                        why,
                    passes(status) || (status == NATS_ERR && passes(code)));
  }
  bool takes_subject = false;
  std::string subjects;
  for (int i = 0; info->Config && i < info->Config->SubjectsLen; ++i) {
    std::string filter = info->Config->Subjects[i];
    subjects += (subjects.empty() ? "" : ", ") + filter;
    takes_subject = takes_subject || subject_matches(filter, settings_.subject);
  }
  std::int64_t max_msg_size = info->Config ? info->Config->MaxMsgSize : -1;
  std::int64_t window = info->Config ? info->Config->Duplicates : 0;
  jsStreamInfo_Destroy(info);
  if (!takes_subject)
    throw LinkError("the JetStream stream " + name + " does not take the subject " + settings_.subject +
                        " (its subjects: " + (subjects.empty() ? "none" : subjects) +
                        "); add the subject to the stream, or name another stream",
                    false);
  if (max_msg_size > 0 && max_msg_size < max_bytes_) {
    max_bytes_ = max_msg_size;
    max_limit_ = "the stream's max_msg_size";
  }
  if (window <= 0 && warn_)
    warn_("the JetStream stream " + name + " has no duplicate window: chunks sent again after a retry or a resume "
                                           "are stored twice");
}

std::optional<std::string> JetStreamLink::publish(std::string_view data, const Headers& headers,
                                                  std::uint64_t chunk_id, int attempt) {
  if (std::string trouble = connection_trouble(); !trouble.empty()) return trouble;
  std::string reply = inbox_ + "." + std::to_string(chunk_id) + "." + std::to_string(attempt);
  natsMsg* message = nullptr;
  natsStatus status = natsMsg_Create(&message, settings_.subject.c_str(), reply.c_str(), data.data(),
                                     static_cast<int>(data.size()));
  for (const auto& [name, value] : headers)
    if (status == NATS_OK) status = natsMsgHeader_Set(message, name.c_str(), value.c_str());
  if (status == NATS_OK) status = natsConnection_PublishMsg(connection_, message);
  natsMsg_Destroy(message);
  if (status == NATS_OK) return std::nullopt;
  if (!passes(status) && status != NATS_INSUFFICIENT_BUFFER)
    throw LinkError("could not publish: " + status_text(status), false);
  return "could not publish: " + status_text(status);
}

std::string JetStreamLink::connection_trouble() const {
  switch (natsConnection_Status(connection_)) {
    case NATS_CONN_STATUS_CONNECTED:
      return "";
    case NATS_CONN_STATUS_CLOSED:
      return "the connection to " + settings_.shown_urls + " is closed";
    default:
      return "not connected to " + settings_.shown_urls + " (reconnecting)";
  }
}

std::optional<Ack> JetStreamLink::next_ack(Millis wait) {
  if (wait.count() <= 0) {  // only what has come: nats.c's shortest wait is 1 ms
    int messages = 0, bytes = 0;
    if (natsSubscription_GetPending(acks_, &messages, &bytes) != NATS_OK || messages == 0) return std::nullopt;
  }
  natsMsg* message = nullptr;
  natsStatus status = natsSubscription_NextMsg(&message, acks_, std::max<std::int64_t>(1, wait.count()));
  if (status == NATS_TIMEOUT) return std::nullopt;
  if (status != NATS_OK) {
    // A closed connection or subscription: no acknowledgement will come.
    if (status == NATS_CONNECTION_CLOSED || status == NATS_INVALID_SUBSCRIPTION)
      throw LinkError("the connection to " + settings_.shown_urls + " was closed: " + status_text(status), true);
    return std::nullopt;
  }
  Ack ack;
  std::string_view subject = natsMsg_GetSubject(message);
  subject.remove_prefix(std::min(subject.size(), inbox_.size() + 1));
  std::size_t dot = subject.find('.');
  auto id = number(subject.substr(0, dot));
  auto attempt = dot == std::string_view::npos ? std::nullopt : number(subject.substr(dot + 1));
  if (!id || !attempt) {
    natsMsg_Destroy(message);
    return std::nullopt;  // not one of ours: ignore
  }
  ack.chunk_id = *id;
  ack.attempt = static_cast<int>(*attempt);
  if (natsMsg_IsNoResponders(message)) {
    ack.error = "no stream took the message on " + settings_.subject +
                " (no responders: JetStream is starting, or no stream has this subject)";
    ack.retryable = true;
    natsMsg_Destroy(message);
    return ack;
  }
  rapidjson::Document answer;
  answer.Parse(natsMsg_GetData(message), static_cast<std::size_t>(natsMsg_GetDataLength(message)));
  natsMsg_Destroy(message);
  if (answer.HasParseError() || !answer.IsObject()) {
    ack.error = "the acknowledgement is not JSON";
    ack.retryable = true;
    return ack;
  }
  if (auto error = answer.FindMember("error"); error != answer.MemberEnd() && error->value.IsObject()) {
    long code = 0;
    std::string description = "error";
    if (auto c = error->value.FindMember("code"); c != error->value.MemberEnd() && c->value.IsInt()) code = c->value.GetInt();
    if (auto d = error->value.FindMember("description"); d != error->value.MemberEnd() && d->value.IsString())
      description = d->value.GetString();
    ack.error = "JetStream refused it: " + description + " (" + std::to_string(code) + ")";
    ack.retryable = code >= 500 || code == 408 || code == 429;
    return ack;
  }
  auto seq = answer.FindMember("seq");
  if (seq == answer.MemberEnd() || !seq->value.IsUint64()) {
    ack.error = "the acknowledgement has no sequence number";
    ack.retryable = true;
    return ack;
  }
  ack.stored = true;
  ack.sequence = seq->value.GetUint64();
  auto duplicate = answer.FindMember("duplicate");
  ack.duplicate = duplicate != answer.MemberEnd() && duplicate->value.IsBool() && duplicate->value.GetBool();
  return ack;
}

}  // namespace aton::sinks::nats
