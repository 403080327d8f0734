#include <aton/errors.hpp>
#include <aton/json.hpp>
#include <aton/stream_encoder.hpp>

#include <iostream>
#include <iterator>
#include <string>

// Reads a JSON document on stdin ({"users": [records...]} or [records...])
// and prints its ATON chunks of up to 100 records, one after another.
int main() try {
  std::string text(std::istreambuf_iterator<char>(std::cin), {});
  aton::Arena arena;
  aton::Value data = aton::parse_json(text, arena);
  aton::StreamEncoder encoder({.chunk_size = 100, .compression = aton::Compression::Balanced});
  for (const aton::Chunk& chunk : encoder.stream_encode(data)) {
    std::cout << chunk.data << "\n";  // chunk.chunk_id, chunk.total_chunks, chunk.is_last, chunk.metadata ...
  }
} catch (const aton::Error& e) {
  std::cerr << "encode_records: " << e.what() << "\n";
  return 1;
}
