#include "dns/message.h"

#include <cctype>

namespace cfiam::dns {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr int kMaxPointerHops = 32;

void Put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

// Reads from a bounds-checked cursor; every failure is sticky.
class Reader {
 public:
  explicit Reader(std::string_view p) : p_(p) {}
  bool ok() const { return ok_; }
  std::size_t pos() const { return pos_; }
  void Seek(std::size_t pos) { pos_ = pos; }

  std::uint8_t U8() {
    if (!ok_ || pos_ + 1 > p_.size()) return Fail();
    return static_cast<std::uint8_t>(p_[pos_++]);
  }
  std::uint16_t U16() {
    const std::uint16_t hi = U8();
    return static_cast<std::uint16_t>(hi << 8 | U8());
  }
  std::uint32_t U32() {
    const std::uint32_t hi = U16();
    return hi << 16 | U16();
  }
  std::string_view Bytes(std::size_t n) {
    if (!ok_ || pos_ + n > p_.size()) {
      Fail();
      return {};
    }
    std::string_view s = p_.substr(pos_, n);
    pos_ += n;
    return s;
  }

  // A possibly compressed name, as lower-case dotted text without the root dot.
  std::string Name() {
    std::string out;
    std::size_t resume = 0;
    int hops = 0;
    while (ok_) {
      const std::uint8_t len = U8();
      if (!ok_) break;
      if ((len & 0xc0) == 0xc0) {
        const std::size_t target = static_cast<std::size_t>(len & 0x3f) << 8 | U8();
        // Pointers must go backwards and be bounded, or a loop never ends.
        if (!ok_ || ++hops > kMaxPointerHops || target >= pos_ - 2) {
          Fail();
          break;
        }
        if (hops == 1) resume = pos_;
        pos_ = target;
        continue;
      }
      if (len & 0xc0) {
        Fail();  // the 0x40/0x80 label types are obsolete
        break;
      }
      if (len == 0) break;
      std::string_view label = Bytes(len);
      if (!out.empty()) out.push_back('.');
      for (char c : label)
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      if (out.size() > 255) Fail();
    }
    if (hops > 0) pos_ = resume;
    return out;
  }

 private:
  std::uint8_t Fail() {
    ok_ = false;
    return 0;
  }
  std::string_view p_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

std::string Normalize(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out;
  for (char c : name) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

}  // namespace

std::optional<std::string> EncodeQuery(std::uint16_t id, std::string_view name,
                                       std::uint16_t type) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return std::nullopt;
  std::string out;
  Put16(out, id);
  Put16(out, 0x0100);  // standard query, recursion desired
  Put16(out, 1);       // one question
  Put16(out, 0);
  Put16(out, 0);
  Put16(out, 0);
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t dot = std::min(name.find('.', start), name.size());
    const std::size_t len = dot - start;
    if (len == 0 || len > 63) return std::nullopt;
    out.push_back(static_cast<char>(len));
    out.append(name.substr(start, len));
    start = dot + 1;
  }
  out.push_back('\0');
  Put16(out, type);
  Put16(out, kClassIn);
  return out;
}

std::optional<TxtResponse> DecodeTxtResponse(std::string_view packet, std::string_view name) {
  if (packet.size() < kHeaderSize) return std::nullopt;
  Reader r(packet);
  TxtResponse res;
  res.id = r.U16();
  const std::uint16_t flags = r.U16();
  if (!(flags & 0x8000)) return std::nullopt;  // not a response
  res.truncated = flags & 0x0200;
  res.rcode = static_cast<std::uint8_t>(flags & 0x000f);
  const std::uint16_t qdcount = r.U16();
  const std::uint16_t ancount = r.U16();
  r.U16();  // authority and additional sections are not needed
  r.U16();
  // The question must be ours, or this is someone else's answer.
  if (qdcount != 1) return std::nullopt;
  if (r.Name() != Normalize(name)) return std::nullopt;
  if (r.U16() != kTypeTxt || r.U16() != kClassIn || !r.ok()) return std::nullopt;
  for (std::uint16_t i = 0; i < ancount; ++i) {
    // The owner name is not checked: with CNAMEs a recursive resolver answers
    // TXT records under the chain's target names, and all of them count.
    r.Name();
    const std::uint16_t type = r.U16();
    const std::uint16_t klass = r.U16();
    r.U32();  // TTL
    const std::uint16_t rdlength = r.U16();
    const std::string_view rdata = r.Bytes(rdlength);
    if (!r.ok()) return std::nullopt;
    if (type != kTypeTxt || klass != kClassIn) continue;
    std::string record;
    Reader txt(rdata);
    while (txt.ok() && txt.pos() < rdata.size()) {
      const std::uint8_t len = txt.U8();
      record.append(txt.Bytes(len));
    }
    if (!txt.ok()) return std::nullopt;
    res.records.push_back(std::move(record));
  }
  return res;
}

}  // namespace cfiam::dns
