package totp

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// QR code sizes [Key.QR] accepts, in pixels.
const (
	MinQRSize     = 128
	MaxQRSize     = 1024
	DefaultQRSize = 256
)

// QR returns the key's otpauth URI ([Key.URI]) as a QR code: a PNG image of size x size pixels
// (128 to 1024), with medium error correction, which phone cameras read from a screen. It holds
// the secret: serve it only to the user enrolling, with Cache-Control: no-store.
//
// QR encoding (Reed-Solomon codes, masks, version selection) comes from
// github.com/skip2/go-qrcode: a small, dependency-free library that has served Go programs for
// years. It is the module's only dependency besides keycard.
func (k *Key) QR(size int) ([]byte, error) {
	if size < MinQRSize || size > MaxQRSize {
		return nil, fmt.Errorf("totp: QR code size %d not in [%d, %d]", size, MinQRSize, MaxQRSize)
	}
	return qrcode.Encode(k.URI(), qrcode.Medium, size)
}
