// Package wifi sets up the box's Wi-Fi from the cloud-init network-config
// that Raspberry Pi Imager writes on the boot partition when the household
// types a network name, password and country in its "OS customisation"
// (the image's Imager entry declares init_format cloudinit-rpi).
//
// Only the Wi-Fi part of that file is read: the first wifis interface
// (wlan0 when present), its access-points (SSID, password, hidden) and its
// regulatory-domain. Static addresses, routes, nameservers and every other
// cloud-init file (user-data, meta-data) are ignored: the box takes its
// address by DHCP and is set up from its own web page. Nothing of the
// file is executed.
//
// From a valid file it renders, for the interface wlan0, a wpa_supplicant
// configuration (passwords turned into the 64-hex PSK, SSIDs written in
// hex, so that no character of the household's input needs quoting) and a
// systemd-networkd .network (DHCP, mDNS resolution like the wired one).
// Limits: the file is at most MaxSize bytes and MaxNetworks access points;
// WPA2/WPA3-transition networks join over WPA2 (Imager writes the hashed
// PSK, which SAE cannot use), enterprise (802.1X) networks are not
// supported.
package wifi

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxSize bounds the network-config file read from the boot partition.
const MaxSize = 64 << 10

// MaxNetworks bounds the number of access points taken from the file.
const MaxNetworks = 16

// Interface is the only Wi-Fi interface the box configures: the Pi's
// on-board radio.
const Interface = "wlan0"

// ErrInvalid wraps every reason a network-config is refused.
var ErrInvalid = errors.New("invalid network-config")

// Network is one access point the box may join.
type Network struct {
	// SSID is the network's name, 1 to 32 bytes.
	SSID string
	// PSK is the 64-hex pre-shared key, empty for an open network.
	PSK string
	// Hidden is set for a network that does not broadcast its name
	// (it is then probed for by name).
	Hidden bool
}

// Config is the Wi-Fi part of a network-config.
type Config struct {
	// Country is the regulatory domain (ISO 3166 alpha-2, upper case),
	// empty when the file gives none.
	Country string
	// Networks are sorted by SSID; at least one.
	Networks []Network
	// Ignored lists what the file asked for and the box does not do
	// (static addresses, other interfaces), for the log.
	Ignored []string
}

// netplan is the part of a netplan v2 / cloud-init network-config the box
// reads. Imager 1.8 writes it at the top level ("version: 2", "wifis:");
// Imager 2 puts it under "network:". Both are accepted.
type netplan struct {
	Version   int                  `yaml:"version"`
	Wifis     map[string]yaml.Node `yaml:"wifis"`
	Ethernets map[string]yaml.Node `yaml:"ethernets"`
}

type document struct {
	netplan `yaml:",inline"`
	Network *netplan `yaml:"network"`
}

type wifiDef struct {
	DHCP4            *bool                  `yaml:"dhcp4"`
	Addresses        []string               `yaml:"addresses"`
	RegulatoryDomain string                 `yaml:"regulatory-domain"`
	AccessPoints     map[string]accessPoint `yaml:"access-points"`
}

type accessPoint struct {
	Password *string `yaml:"password"`
	Hidden   bool    `yaml:"hidden"`
	Auth     *struct {
		KeyManagement string  `yaml:"key-management"`
		Password      *string `yaml:"password"`
	} `yaml:"auth"`
}

// Parse reads a network-config as Raspberry Pi Imager writes it and
// returns its Wi-Fi part. Every refusal wraps ErrInvalid and says why.
func Parse(data []byte) (Config, error) {
	if len(data) > MaxSize {
		return Config{}, fmt.Errorf("%w: %d bytes, at most %d", ErrInvalid, len(data), MaxSize)
	}
	var doc document
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Config{}, fmt.Errorf("%w: not YAML: %w", ErrInvalid, err)
	}
	np := doc.netplan
	if doc.Network != nil {
		np = *doc.Network
	}
	if np.Version != 2 {
		return Config{}, fmt.Errorf("%w: version %d, only netplan version 2 is read", ErrInvalid, np.Version)
	}
	var cfg Config
	if len(np.Ethernets) > 0 {
		cfg.Ignored = append(cfg.Ignored, "ethernets (wired interfaces always use DHCP)")
	}
	// Imager 1.8 puts "renderer: networkd" among the interfaces: only
	// mappings are interface definitions.
	var names []string
	for name, node := range np.Wifis {
		if node.Kind == yaml.MappingNode {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return Config{}, fmt.Errorf("%w: no wifis interface", ErrInvalid)
	}
	slices.Sort(names)
	name := names[0]
	if slices.Contains(names, Interface) {
		name = Interface
	}
	for _, other := range names {
		if other != name {
			cfg.Ignored = append(cfg.Ignored, "wifis."+other+" (only "+Interface+" is set up)")
		}
	}
	node := np.Wifis[name]
	var def wifiDef
	if err := node.Decode(&def); err != nil {
		return Config{}, fmt.Errorf("%w: wifis.%s: %w", ErrInvalid, name, err)
	}
	if len(def.Addresses) > 0 || (def.DHCP4 != nil && !*def.DHCP4) {
		cfg.Ignored = append(cfg.Ignored, "wifis."+name+" static addresses (the box uses DHCP)")
	}
	if c := strings.TrimSpace(def.RegulatoryDomain); c != "" {
		if !isCountry(c) {
			return Config{}, fmt.Errorf("%w: regulatory-domain %q is not a two-letter country code", ErrInvalid, c)
		}
		cfg.Country = strings.ToUpper(c)
	}
	if len(def.AccessPoints) == 0 {
		return Config{}, fmt.Errorf("%w: wifis.%s has no access-points", ErrInvalid, name)
	}
	if len(def.AccessPoints) > MaxNetworks {
		return Config{}, fmt.Errorf("%w: %d access-points, at most %d", ErrInvalid, len(def.AccessPoints), MaxNetworks)
	}
	for ssid, ap := range def.AccessPoints {
		n, err := network(ssid, ap)
		if err != nil {
			return Config{}, err
		}
		cfg.Networks = append(cfg.Networks, n)
	}
	slices.SortFunc(cfg.Networks, func(a, b Network) int { return strings.Compare(a.SSID, b.SSID) })
	return cfg, nil
}

func network(ssid string, ap accessPoint) (Network, error) {
	if len(ssid) < 1 || len(ssid) > 32 {
		return Network{}, fmt.Errorf("%w: SSID %q is %d bytes, 1 to 32 expected", ErrInvalid, ssid, len(ssid))
	}
	password := ap.Password
	if ap.Auth != nil {
		switch strings.ToLower(ap.Auth.KeyManagement) {
		case "", "psk", "none", "sae":
		default:
			return Network{}, fmt.Errorf("%w: SSID %q: key-management %q is not supported (only WPA-PSK and open networks)", ErrInvalid, ssid, ap.Auth.KeyManagement)
		}
		if ap.Auth.Password != nil {
			password = ap.Auth.Password
		}
	}
	n := Network{SSID: ssid, Hidden: ap.Hidden}
	if password == nil || *password == "" {
		return n, nil // an open network
	}
	psk, err := PSK(ssid, *password)
	if err != nil {
		return Network{}, fmt.Errorf("%w: SSID %q: %w", ErrInvalid, ssid, err)
	}
	n.PSK = psk
	return n, nil
}

// PSK returns the 64-hex WPA pre-shared key of a password: the password
// itself when it is already 64 hex digits (what Imager writes), else the
// PBKDF2 of an 8 to 63 character printable-ASCII passphrase with the SSID.
func PSK(ssid, password string) (string, error) {
	if len(password) == 64 {
		if _, err := hex.DecodeString(password); err != nil {
			return "", errors.New("a 64-character password must be the hexadecimal PSK")
		}
		return strings.ToLower(password), nil
	}
	if len(password) < 8 || len(password) > 63 {
		return "", fmt.Errorf("the password has %d characters, 8 to 63 expected (or the 64-hex PSK)", len(password))
	}
	for _, c := range []byte(password) {
		if c < 0x20 || c > 0x7e {
			return "", errors.New("the password has a character outside printable ASCII")
		}
	}
	key, err := pbkdf2.Key(sha1.New, password, []byte(ssid), 4096, 32)
	if err != nil {
		return "", fmt.Errorf("deriving the PSK: %w", err)
	}
	return hex.EncodeToString(key), nil
}

func isCountry(c string) bool {
	return len(c) == 2 && isLetter(c[0]) && isLetter(c[1])
}

func isLetter(b byte) bool { return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') }

// WPASupplicant renders the wpa_supplicant configuration of the interface:
// the country, then one network block per access point. It holds the PSKs:
// it is written with mode 0600.
func (c Config) WPASupplicant() []byte {
	var b bytes.Buffer
	b.WriteString("# Written at boot by cozy box wifi from the boot partition's network-config.\n")
	b.WriteString("ctrl_interface=/run/wpa_supplicant\n")
	b.WriteString("update_config=0\n")
	if c.Country != "" {
		fmt.Fprintf(&b, "country=%s\n", c.Country)
	}
	for _, n := range c.Networks {
		b.WriteString("\nnetwork={\n")
		// In hex, so that no byte of the name needs quoting.
		fmt.Fprintf(&b, "\tssid=%s\n", hex.EncodeToString([]byte(n.SSID)))
		if n.Hidden {
			b.WriteString("\tscan_ssid=1\n")
		}
		if n.PSK == "" {
			b.WriteString("\tkey_mgmt=NONE\n")
		} else {
			b.WriteString("\tkey_mgmt=WPA-PSK WPA-PSK-SHA256\n")
			b.WriteString("\tieee80211w=1\n")
			fmt.Fprintf(&b, "\tpsk=%s\n", n.PSK)
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

// Networkd renders the systemd-networkd configuration of the interface:
// DHCP, and .local names resolved on it as on the wired interfaces, so
// that cozy.local answers over Wi-Fi too.
func (c Config) Networkd() []byte {
	return []byte(`# Written at boot by cozy box wifi: the Wi-Fi interface takes its address
# by DHCP; .local names are resolved on it (cozy.service answers the box's own).
[Match]
Name=` + Interface + `

[Network]
DHCP=yes
MulticastDNS=resolve
LLMNR=no
`)
}
