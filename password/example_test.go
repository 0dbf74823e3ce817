package password_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/keycard-go/keycard/password"
)

func ExampleHash() {
	ctx := context.Background()
	hash, err := password.Hash(ctx, []byte("correct horse battery staple"))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Store hash; it is random, so it is not printed here.
	fmt.Println("prefix:", hash[:7])
	fmt.Println("match:", password.Verify(ctx, hash, []byte("correct horse battery staple")) == nil)
	// Output:
	// prefix: $2a$12$
	// match: true
}

func ExampleNew() {
	// One Hasher per process, built at start-up. MinCost keeps this example fast; real
	// applications keep the default or raise it. No hash stored here has a cost above 10,
	// so no timing headroom is needed: a wrong password is padded to cost 10's time.
	h, err := password.New(
		password.WithCost(password.MinCost),
		password.WithTimingHeadroom(0),
		password.WithMinLength(10),
		password.WithConcurrency(2),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	hash, err := h.Hash(ctx, []byte("correct horse battery staple"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("cost:", h.Cost())
	fmt.Println("match:", h.Verify(ctx, hash, []byte("correct horse battery staple")) == nil)
	fmt.Println("mismatch:", errors.Is(h.Verify(ctx, hash, []byte("Correct horse battery staple")), password.ErrMismatch))
	fmt.Println("needs rehash:", h.NeedsRehash(hash))
	// Output:
	// cost: 10
	// match: true
	// mismatch: true
	// needs rehash: false
}

// The password policy on registration: every refusal is a sentinel, and none costs any
// bcrypt time.
func ExampleHasher_Hash() {
	h, err := password.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, pw := range []string{"", "hunter2", strings.Repeat("x", 73), "pass\x00word"} {
		_, err := h.Hash(context.Background(), []byte(pw))
		switch {
		case errors.Is(err, password.ErrEmpty):
			fmt.Println("empty")
		case errors.Is(err, password.ErrTooShort):
			fmt.Println("too short:", err)
		case errors.Is(err, password.ErrTooLong):
			fmt.Println("too long:", err)
		case errors.Is(err, password.ErrInvalidByte):
			fmt.Println("refused:", err)
		}
	}
	// Output:
	// empty
	// too short: password: too short: fewer than 8 characters
	// too long: password: too long: more than 72 bytes
	// refused: password: contains a NUL byte
}

// A login handler's core: bcrypt work whether or not the user exists, one error check for
// wrong credentials, and a hash upgrade after a successful login.
func ExampleHasher_VerifyDummy() {
	// Every stored hash here has a cost of 10 or less, so no timing headroom is needed:
	// each failure below is padded to the time of a cost-10 comparison. Keep the default
	// headroom (2) if some hashes may have a higher cost than the Hasher's.
	h, err := password.New(password.WithCost(password.MinCost), password.WithTimingHeadroom(0))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	// A user migrated from a Node.js app: a bcryptjs-style $2a$ hash at an older cost (this
	// one is from Openwall's bcrypt test vectors, password "U*U").
	users := map[string]string{
		"ann@example.com": "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
	}
	login := func(email, pw string) string {
		stored, ok := users[email]
		var err error
		if ok {
			err = h.Verify(ctx, stored, []byte(pw))
		} else {
			err = h.VerifyDummy(ctx, []byte(pw)) // always fails, in the time of a wrong password
		}
		switch {
		case err == nil:
			if h.NeedsRehash(stored) {
				if fresh, err := h.Hash(ctx, []byte(pw)); err == nil {
					users[email] = fresh
					return "ok, hash upgraded"
				}
				// The old password is below today's policy: keep the old hash for now.
				return "ok, hash kept"
			}
			return "ok"
		case errors.Is(err, password.ErrMismatch):
			return "401 wrong e-mail or password"
		case errors.Is(err, password.ErrBusy):
			return "503 try again"
		default: // ErrMalformedHash, ErrCostTooHigh: log err for operators
			return "500 internal error"
		}
	}
	fmt.Println(login("ann@example.com", "U*U"))
	fmt.Println(login("ann@example.com", "wrong"))
	fmt.Println(login("bob@example.com", "U*U"))
	// Output:
	// ok, hash kept
	// 401 wrong e-mail or password
	// 401 wrong e-mail or password
}

func ExampleHasher_NeedsRehash() {
	h, err := password.New() // cost 12
	if err != nil {
		fmt.Println(err)
		return
	}
	const salted = "$ufpq3P9gOC9aIHIvfOaNN.Z4J9sIa8FSxa1CH9RR0Iskha30SI6e6"
	for _, hash := range []string{"$2a$10" + salted, "$2y$12" + salted, "$2b$13" + salted, "not bcrypt"} {
		fmt.Printf("%.6s: %v\n", hash, h.NeedsRehash(hash))
	}
	// Output:
	// $2a$10: true
	// $2y$12: false
	// $2b$13: true
	// not bc: true
}
