// Round trips through the real encoder and decoder, and a shrinker that
// turns a failing record set into a small one for the bug report.
//
// A round trip encodes `records` as the table `name` and decodes it again,
// either as the one text StreamEncoder::encode() gives (chunks joined by
// '\n') or chunk by chunk (each chunk fed on its own to one Decoder, in
// order). It fails when the decoder throws, or when the table's name or any
// record differs (typed, ordered, absent != null; compared by the support
// code itself, not by aton::Value's ==). With self_contained chunks a third
// delivery decodes each chunk alone, with a Decoder of its own, and
// compares it with its slice of the records.
#pragma once

#include <aton/arena.hpp>
#include <aton/encoder_options.hpp>
#include <aton/value.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace aton::test {

enum class Delivery { Joined, ChunkByChunk, EachChunkAlone };

std::string_view delivery_name(Delivery delivery) noexcept;

// The deliveries that apply to `options`: EachChunkAlone only with self_contained.
std::vector<Delivery> deliveries_for(const EncoderOptions& options);

// The options as a report gives them: mode, chunk size, sample size...
std::string options_text(const EncoderOptions& options);

// What went wrong (the first differing record as JSON, the ATON text), or
// nothing when every record came back. `data` is passed to the encoder as
// is: a bare array of records or an object of tables with `table` naming one.
std::optional<std::string> roundtrip_failure(const Value& data, std::optional<std::string_view> table,
                                             const EncoderOptions& options, Delivery delivery);

// The same for a bare list of records (the table `records`).
std::optional<std::string> roundtrip_failure(std::span<const Value> records,
                                             const EncoderOptions& options, Delivery delivery);

// A smaller record set for which `fails` still holds: records, members,
// items and characters removed while it does. New values live in `arena`.
// Bounded: stops after `max_tries` calls of `fails`.
std::vector<Value> shrink_records(std::span<const Value> records,
                                  const std::function<bool(std::span<const Value>)>& fails,
                                  Arena& arena, std::size_t max_tries = 4000);

// shrink_records() for a failing round trip.
std::vector<Value> shrink_failure(std::span<const Value> records, const EncoderOptions& options,
                                  Delivery delivery, Arena& arena, std::size_t max_tries = 4000);

// The records as a JSON array, one record a line, for a report.
std::string records_json(std::span<const Value> records);

// A full report of a failing round trip: options, the failure, and the
// shrunk input as JSON.
std::string failure_report(std::span<const Value> records, const EncoderOptions& options,
                           Delivery delivery, Arena& arena);

}  // namespace aton::test
