package passkeytest

import (
	"encoding/binary"
)

// A minimal CBOR encoder (RFC 8949) for what an authenticator writes: unsigned and negative
// integers, byte and text strings, and maps. Maps are written in the order given; callers pass
// the keys in CTAP2 canonical order (shorter encodings first, then bytewise), as authenticators
// do, so the output is byte-for-byte what a real authenticator would produce.

// CBOR major types.
const (
	majorUint  = 0
	majorNeg   = 1
	majorBytes = 2
	majorText  = 3
	majorMap   = 5
)

// cborHead appends the initial byte and argument of a data item.
func cborHead(b []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(b, m|byte(n))
	case n <= 0xff:
		return append(b, m|24, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, m|25), uint16(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, m|26), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, m|27), n)
}

// cborInt appends an integer, positive or negative.
func cborInt(b []byte, v int64) []byte {
	if v >= 0 {
		return cborHead(b, majorUint, uint64(v))
	}
	return cborHead(b, majorNeg, uint64(-1-v))
}

// cborBytes appends a byte string.
func cborBytes(b, v []byte) []byte {
	return append(cborHead(b, majorBytes, uint64(len(v))), v...)
}

// cborText appends a text string.
func cborText(b []byte, v string) []byte {
	return append(cborHead(b, majorText, uint64(len(v))), v...)
}

// cborMap appends the head of a map of n pairs; the caller appends the keys and values.
func cborMap(b []byte, n int) []byte {
	return cborHead(b, majorMap, uint64(n))
}
