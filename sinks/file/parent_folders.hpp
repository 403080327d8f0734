// The folders the file sink writes into: made when missing, and a clear
// error naming the file that stands where a folder should be.
#pragma once

#include <filesystem>

namespace aton::sinks {

// Creates the folder that will hold `target`, with its missing parents; when
// a file is in the way, the error (a std::runtime_error) names that file.
void create_parent_folders(const std::filesystem::path& target);

}  // namespace aton::sinks
