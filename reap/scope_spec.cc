// What a transient scope asks for, checked without systemd (libc only, so
// the core library and a static reaper can check --scope options).
#include "reap/scope_spec.h"

#include <errno.h>

#include <charconv>
#include <cstdint>
#include <optional>

namespace reap {
namespace {

Error ScopeError(int err, std::string what, std::string reason) {
  return OpError("scope", err, std::move(what), std::move(reason));
}

// The properties reaper takes, and what systemd calls them on the bus (all
// of type "t").
enum class Unit { kBytes, kCount, kWeight, kPercent };
struct PropertyKind {
  const char* name;
  Unit unit;
  const char* bus_name;
};
constexpr PropertyKind kProperties[] = {
    {"MemoryMax", Unit::kBytes, "MemoryMax"}, {"MemoryHigh", Unit::kBytes, "MemoryHigh"},
    {"MemoryLow", Unit::kBytes, "MemoryLow"}, {"MemorySwapMax", Unit::kBytes, "MemorySwapMax"},
    {"TasksMax", Unit::kCount, "TasksMax"},   {"CPUWeight", Unit::kWeight, "CPUWeight"},
    {"IOWeight", Unit::kWeight, "IOWeight"},  {"CPUQuota", Unit::kPercent, "CPUQuotaPerSecUSec"},
};

const PropertyKind* FindKind(const std::string& name) {
  for (const auto& k : kProperties) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

// A whole decimal number, all of TEXT.
std::optional<std::uint64_t> Number(std::string_view text) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// VALUE as systemd wants it on the bus, or nullopt when malformed.
std::optional<std::uint64_t> BusValue(const PropertyKind& kind, const std::string& value) {
  if ((kind.unit == Unit::kBytes || kind.unit == Unit::kCount) && value == "infinity") return UINT64_MAX;
  switch (kind.unit) {
    case Unit::kBytes: {
      std::string_view digits = value;
      int shift = 0;
      if (!digits.empty()) {
        const std::string_view suffixes = "KMGT";
        std::size_t at = suffixes.find(digits.back());
        if (at != std::string_view::npos) {
          shift = 10 * static_cast<int>(at + 1);
          digits.remove_suffix(1);
        }
      }
      auto v = Number(digits);
      if (!v || (shift > 0 && *v > (UINT64_MAX >> shift))) return std::nullopt;
      return *v << shift;
    }
    case Unit::kCount:
      return Number(value);
    case Unit::kWeight: {
      auto v = Number(value);
      if (!v || *v < 1 || *v > 10000) return std::nullopt;
      return v;
    }
    case Unit::kPercent: {
      if (value.size() < 2 || value.back() != '%') return std::nullopt;
      auto v = Number(std::string_view(value).substr(0, value.size() - 1));
      if (!v || *v == 0 || *v > 100000) return std::nullopt;
      return *v * 10000;  // microseconds of CPU per second
    }
  }
  return std::nullopt;
}

// systemd's unit name rules (unit_name_is_valid): at most 255 bytes of
// [A-Za-z0-9:_.\-@], ending in SUFFIX, with something before it.
bool IsUnitName(const std::string& name, const std::string& suffix) {
  if (name.size() > 255 || name.size() <= suffix.size()) return false;
  if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view(":_.-\\@").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<BusProperty> ToBusProperty(const std::string& name, const std::string& value) {
  const PropertyKind* kind = FindKind(name);
  if (kind == nullptr) return std::nullopt;
  auto v = BusValue(*kind, value);
  if (!v) return std::nullopt;
  return BusProperty{kind->bus_name, *v};
}

Status ValidateScope(const Scope& scope) {
  if (!scope.name.empty() && !IsUnitName(scope.name, ".scope")) {
    return ScopeError(
        EINVAL, scope.name,
        "not a scope unit name (letters, digits, :_.-\\@, ending in .scope, at most 255 bytes)");
  }
  if (!scope.slice.empty() && !IsUnitName(scope.slice, ".slice")) {
    return ScopeError(EINVAL, scope.slice, "not a slice unit name (ending in .slice)");
  }
  for (const auto& [key, value] : scope.properties) {
    const PropertyKind* kind = FindKind(key);
    if (kind == nullptr) {
      std::string known;
      for (const auto& k : kProperties) known += std::string(known.empty() ? "" : ", ") + k.name;
      return ScopeError(EINVAL, key, "not a property reaper can set on a scope (it can: " + known + ")");
    }
    if (!BusValue(*kind, value)) return ScopeError(EINVAL, key + "=" + value, "malformed value");
  }
  if (scope.timeout.count() <= 0) return ScopeError(EINVAL, "timeout", "must be positive");
  return OkStatus();
}

std::string ScopeUnitName(const Scope& scope, pid_t pid) {
  return scope.name.empty() ? "reap-" + std::to_string(pid) + ".scope" : scope.name;
}

std::string ScopeDescription(const Scope& scope, const Command& command) {
  if (!scope.description.empty()) return scope.description;
  std::string d = "reap: " + command.program;
  for (const auto& a : command.args) d += " " + a;
  if (d.size() > 200) d = d.substr(0, 197) + "...";
  return d;
}

}  // namespace reap
