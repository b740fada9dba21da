package boxca

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"time"
)

// DefaultDomain is the DNS constraint of the root: names under .local.
const DefaultDomain = "local"

// Config says what a new root is constrained to. It matters only when the
// CA is made; an existing root keeps the constraints it was made with.
type Config struct {
	// Name is the root's common name shown to the household, e.g.
	// "Cozy box CA (Dupont family)".
	Name string
	// LAN are the prefixes whose addresses leaves may carry. None: leaves
	// may carry no IP address.
	LAN []netip.Prefix
	// RootValidity defaults to ten years, LeafValidity to 90 days.
	RootValidity time.Duration
	LeafValidity time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// CA is the box's certificate authority: its root and key.
type CA struct {
	root    *x509.Certificate
	rootPEM []byte
	key     *ecdsa.PrivateKey
	leafTTL time.Duration
	now     func() time.Time
}

// Open loads the CA from store, or makes it (first boot) and stores it.
func Open(ctx context.Context, store Storage, cfg Config) (*CA, error) {
	if cfg.RootValidity <= 0 {
		cfg.RootValidity = 10 * 365 * 24 * time.Hour
	}
	if cfg.LeafValidity <= 0 {
		cfg.LeafValidity = 90 * 24 * time.Hour
	}
	if cfg.Name == "" {
		cfg.Name = "Cozy box CA"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	certPEM, errCert := store.Load(ctx, rootCertKey)
	keyPEM, errKey := store.Load(ctx, rootKeyKey)
	switch {
	case errCert == nil && errKey == nil:
		return load(certPEM, keyPEM, cfg)
	case errors.Is(errCert, fs.ErrNotExist) && errors.Is(errKey, fs.ErrNotExist):
	default:
		return nil, fmt.Errorf("boxca: load root: %w", errors.Join(errCert, errKey))
	}
	ca, keyPEM, err := create(cfg, time.Now())
	if err != nil {
		return nil, err
	}
	// Key first: a certificate without its key would be unusable.
	if err := store.Store(ctx, rootKeyKey, keyPEM); err != nil {
		return nil, fmt.Errorf("boxca: store root key: %w", err)
	}
	if err := store.Store(ctx, rootCertKey, ca.rootPEM); err != nil {
		return nil, fmt.Errorf("boxca: store root: %w", err)
	}
	cfg.Logger.Info("box CA created", "component", "boxca", "name", cfg.Name, "lan", cfg.LAN, "not_after", ca.root.NotAfter)
	return ca, nil
}

// create makes a new root and its key.
func create(cfg Config, now time.Time) (*CA, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("boxca: root key: %w", err)
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cfg.Name, Organization: []string{"Cozy box"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(cfg.RootValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true, // leaves only
		// SubjectKeyId: left empty, CreateCertificate derives it for a CA.
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         []string{DefaultDomain},
	}
	for _, p := range cfg.LAN {
		p = p.Masked()
		tmpl.PermittedIPRanges = append(tmpl.PermittedIPRanges, &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())})
	}
	if len(tmpl.PermittedIPRanges) == 0 {
		// No LAN given: no address at all may appear in a leaf.
		tmpl.ExcludedIPRanges = []*net.IPNet{
			{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(0, 32)},
			{IP: net.IPv6zero, Mask: net.CIDRMask(0, 128)},
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("boxca: sign root: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("boxca: encode root key: %w", err)
	}
	ca, err := load(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), cfg)
	if err != nil {
		return nil, nil, err
	}
	return ca, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// load parses a stored root and key and checks that they belong together.
func load(certPEM, keyPEM []byte, cfg Config) (*CA, error) {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, errors.New("boxca: stored root or key is not PEM")
	}
	root, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("boxca: parse root: %w", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("boxca: parse root key: %w", err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || !key.PublicKey.Equal(root.PublicKey) {
		return nil, errors.New("boxca: stored key does not match the root")
	}
	if !root.IsCA || !root.PermittedDNSDomainsCritical {
		return nil, errors.New("boxca: stored root is not a constrained CA")
	}
	return &CA{root: root, rootPEM: certPEM, key: key, leafTTL: cfg.LeafValidity, now: time.Now}, nil
}

// Root is the root certificate, for the page that offers it to install.
func (ca *CA) Root() *x509.Certificate { return ca.root }

// RootPEM is the root in PEM, as served for download (.crt).
func (ca *CA) RootPEM() []byte { return ca.rootPEM }

// Pool is a pool holding only the root, for verifying the CA's leaves.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.root)
	return p
}

// serialNumber is a random 128-bit serial.
func serialNumber() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("boxca: serial: %w", err)
	}
	return n, nil
}
