
use builtin;
use str;

set edit:completion:arg-completer[zonesync] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'zonesync'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'zonesync'= {
            cand --color 'When to use colours in logs and tables'
            cand --log-format 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors'
            cand -v 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand --verbose 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand -q 'Log only errors, and draw no progress bars'
            cand --quiet 'Log only errors, and draw no progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serve 'Run the authoritative server, or steer a running one'
            cand axfr 'Fetch a whole zone by AXFR (RFC 5936) and write it as a zone file'
            cand ixfr 'Fetch the changes to a zone since a serial by IXFR (RFC 1995)'
            cand notify 'Send NOTIFY (RFC 1996) for a zone to one or more servers'
            cand sync-zonelist 'Mirror super masters'' zone lists and zones into a directory'
            cand tsig-keygen 'Generate a TSIG key and print it as configuration'
            cand check 'Validate zone files and serve configs, or check a fleet for consistency'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zonesync;serve'= {
            cand -c 'The YAML configuration file. Without -c, $ZONESYNC_CONFIG names it, and without that it is /etc/zonesync/zonesync.yaml, so the control commands need no -c'
            cand --config 'The YAML configuration file. Without -c, $ZONESYNC_CONFIG names it, and without that it is /etc/zonesync/zonesync.yaml, so the control commands need no -c'
            cand --format 'Output format of the control commands'
            cand --color 'When to use colours in logs and tables'
            cand --log-format 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors'
            cand --wide '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone''s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set'
            cand -v 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand --verbose 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand -q 'Log only errors, and draw no progress bars'
            cand --quiet 'Log only errors, and draw no progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand status 'Show the server and its zones: role, serial, state, refresh times, last error, and which secondary has which serial (the propagation view)'
            cand refresh 'Secondary zone: check the primary now. Primary zone: re-read the zone file'
            cand retransfer 'Secondary zone: transfer the whole zone now (AXFR)'
            cand notify 'Send NOTIFY for the zone''s current serial to its secondaries'
            cand reload 'Re-read the config (zones added, removed, changed; keys) and every zone file'
            cand bulk-refresh 'Super slave: refresh every zone of the super masters'' catalogs now'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zonesync;serve;status'= {
            cand --format 'Output format of the control commands'
            cand --color 'When to use colours in logs and tables'
            cand --log-format 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors'
            cand --wide '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone''s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set'
            cand -v 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand --verbose 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand -q 'Log only errors, and draw no progress bars'
            cand --quiet 'Log only errors, and draw no progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zonesync;serve;refresh'= {
            cand --format 'Output format of the control commands'
            cand --color 'When to use colours in logs and tables'
            cand --log-format 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors'
            cand --wide '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone''s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set'
            cand -v 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand --verbose 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand -q 'Log only errors, and draw no progress bars'
            cand --quiet 'Log only errors, and draw no progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zonesync;serve;retransfer'= {
            cand --format 'Output format of the control commands'
            cand --color 'When to use colours in logs and tables'
            cand --log-format 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors'
            cand --wide '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone''s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set'
            cand -v 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand --verbose 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand -q 'Log only errors, and draw no progress bars'
            cand --quiet 'Log only errors, and draw no progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zonesync;serve;notify'= {
            cand --format 'Output format of the control commands'
            cand --color 'When to use colours in logs and tables'
            cand --log-format 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors'
            cand --wide '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone''s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set'
            cand -v 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand --verbose 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand -q 'Log only errors, and draw no progress bars'
            cand --quiet 'Log only errors, and draw no progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zonesync;serve;reload'= {
            cand --format 'Output format of the control commands'
            cand --color 'When to use colours in logs and tables'
            cand --log-format 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors'
            cand --wide '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone''s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set'
            cand -v 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand --verbose 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand -q 'Log only errors, and draw no progress bars'
            cand --quiet 'Log only errors, and draw no progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zonesync;serve;bulk-refresh'= {
            cand --format 'Output format of the control commands'
            cand --color 'When to use colours in logs and tables'
            cand --log-format 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors'
            cand --wide '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone''s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set'
            cand -v 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand --verbose 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand -q 'Log only errors, and draw no progress bars'
            cand --quiet 'Log only errors, and draw no progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zonesync;serve;help'= {
            cand status 'Show the server and its zones: role, serial, state, refresh times, last error, and which secondary has which serial (the propagation view)'
            cand refresh 'Secondary zone: check the primary now. Primary zone: re-read the zone file'
            cand retransfer 'Secondary zone: transfer the whole zone now (AXFR)'
            cand notify 'Send NOTIFY for the zone''s current serial to its secondaries'
            cand reload 'Re-read the config (zones added, removed, changed; keys) and every zone file'
            cand bulk-refresh 'Super slave: refresh every zone of the super masters'' catalogs now'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zonesync;serve;help;status'= {
        }
        &'zonesync;serve;help;refresh'= {
        }
        &'zonesync;serve;help;retransfer'= {
        }
        &'zonesync;serve;help;notify'= {
        }
        &'zonesync;serve;help;reload'= {
        }
        &'zonesync;serve;help;bulk-refresh'= {
        }
        &'zonesync;serve;help;help'= {
        }
        &'zonesync;axfr'= {
            cand -s 'The server to transfer from, HOST[:PORT] or [V6]:PORT (port 53 by default)'
            cand --server 'The server to transfer from, HOST[:PORT] or [V6]:PORT (port 53 by default)'
            cand -y 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users'
            cand --key 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users'
            cand -k 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name'
            cand --key-file 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name'
            cand --key-name 'Which key of the --key-file to use, when it holds more than one'
            cand --tls-ca 'CA certificates (PEM) the server''s certificate must chain to (strict TLS)'
            cand --tls-hostname 'The name the server''s certificate must carry (and the SNI sent); the server''s IP address when left out'
            cand --tls-cert 'Our client certificate (PEM), for servers that require mutual TLS'
            cand --tls-key 'The private key (PEM) of --tls-cert'
            cand -o 'Write the zone here instead of stdout (atomically, when complete)'
            cand --output 'Write the zone here instead of stdout (atomically, when complete)'
            cand --format 'Output format'
            cand --timeout 'How long to wait for each message (not for the whole transfer)'
            cand --color 'When to use colours in logs and tables'
            cand --log-format 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors'
            cand --tls 'Transfer over TLS (XoT, RFC 9103: TLS 1.3, ALPN "dot"); give the server''s TLS port with -s. Without --tls-ca the server is not authenticated (opportunistic, RFC 9103 §9.3)'
            cand -v 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand --verbose 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand -q 'Log only errors, and draw no progress bars'
            cand --quiet 'Log only errors, and draw no progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zonesync;ixfr'= {
            cand -s 'The server, HOST[:PORT] or [V6]:PORT (port 53 by default)'
            cand --server 'The server, HOST[:PORT] or [V6]:PORT (port 53 by default)'
            cand --serial 'The serial the changes start from (the one we have)'
            cand -y 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users'
            cand --key 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users'
            cand -k 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name'
            cand --key-file 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name'
            cand --key-name 'Which key of the --key-file to use, when it holds more than one'
            cand --tls-ca 'CA certificates (PEM) the server''s certificate must chain to (strict TLS)'
            cand --tls-hostname 'The name the server''s certificate must carry (and the SNI sent); the server''s IP address when left out'
            cand --tls-cert 'Our client certificate (PEM), for servers that require mutual TLS'
            cand --tls-key 'The private key (PEM) of --tls-cert'
            cand -o 'Write the output here instead of stdout (atomically, once the transfer is complete), as axfr''s -o'
            cand --output 'Write the output here instead of stdout (atomically, once the transfer is complete), as axfr''s -o'
            cand --format 'Output format'
            cand --timeout 'How long to wait for each message'
            cand --color 'When to use colours in logs and tables'
            cand --log-format 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors'
            cand --udp 'Ask over UDP first (falls back to TCP when the answer does not fit)'
            cand --no-fallback 'Fail instead of falling back to AXFR when the server cannot serve IXFR'
            cand --tls 'Transfer over TLS (XoT, RFC 9103: TLS 1.3, ALPN "dot"); give the server''s TLS port with -s. Without --tls-ca the server is not authenticated (opportunistic, RFC 9103 §9.3)'
            cand -v 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand --verbose 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand -q 'Log only errors, and draw no progress bars'
            cand --quiet 'Log only errors, and draw no progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zonesync;notify'= {
            cand -s 'A server to notify, HOST[:PORT] or [V6]:PORT; repeat for several'
            cand --server 'A server to notify, HOST[:PORT] or [V6]:PORT; repeat for several'
            cand --serial 'Put this serial in the NOTIFY as an SOA hint (RFC 1996 §3.7)'
            cand -y 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users'
            cand --key 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users'
            cand -k 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name'
            cand --key-file 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name'
            cand --key-name 'Which key of the --key-file to use, when it holds more than one'
            cand --retries 'Retransmissions after the first attempt (RFC 1996 §3.6)'
            cand --timeout 'Wait for an answer this long before the first retransmission (doubling after)'
            cand --color 'When to use colours in logs and tables'
            cand --log-format 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors'
            cand --tcp 'Send over TCP instead of UDP'
            cand -v 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand --verbose 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand -q 'Log only errors, and draw no progress bars'
            cand --quiet 'Log only errors, and draw no progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zonesync;sync-zonelist'= {
            cand -s 'A super master, HOST[:PORT] or [V6]:PORT; repeat for several'
            cand --server 'A super master, HOST[:PORT] or [V6]:PORT; repeat for several'
            cand --catalog 'The catalog zone that lists the zones'
            cand -y 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users'
            cand --key 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users'
            cand -k 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name'
            cand --key-file 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name'
            cand --key-name 'Which key of the --key-file to use, when it holds more than one'
            cand --dir 'The directory to mirror into'
            cand --format 'Output format'
            cand --max-deletions 'Refuse to delete more than N zones of one catalog in one run (a guard against a master that lost its zone list): none is deleted, and the run exits 1'
            cand --timeout 'How long to wait for each answer or message'
            cand --exec 'After a run that added, updated or removed a zone, run CMD with `sh -c` (environment: ZONESYNC_ADDED, ZONESYNC_UPDATED, ZONESYNC_REMOVED, …)'
            cand --zone-list 'Write the include that makes a server serve every zone of DIR here (atomically, when it changes)'
            cand --zone-list-format 'The server the --zone-list include is for'
            cand --color 'When to use colours in logs and tables'
            cand --log-format 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors'
            cand --dry-run 'Say what would change, change nothing'
            cand -v 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand --verbose 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand -q 'Log only errors, and draw no progress bars'
            cand --quiet 'Log only errors, and draw no progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zonesync;tsig-keygen'= {
            cand -a 'The HMAC algorithm (hmac-md5 only for old peers)'
            cand --algorithm 'The HMAC algorithm (hmac-md5 only for old peers)'
            cand --format 'Which server''s configuration syntax to print. Repeat it for several (`--format bind --format knot`): every format of one run carries the same key'
            cand --color 'When to use colours in logs and tables'
            cand --log-format 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors'
            cand -v 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand --verbose 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand -q 'Log only errors, and draw no progress bars'
            cand --quiet 'Log only errors, and draw no progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zonesync;check'= {
            cand --origin 'The zone''s origin (else taken from the file name or the SOA owner)'
            cand --format 'Output format (`table` is the same as `text`)'
            cand --expiry-warning 'In signed zones, warn about RRSIGs that expire within this time (`7d`, `36h`)'
            cand --config 'Validate a serve config and every zone file it names'
            cand --fleet 'Compare ZONE across servers (the first -s is the primary)'
            cand -s 'A server of the fleet, HOST[:PORT]; repeat for several (the first is the primary)'
            cand --server 'A server of the fleet, HOST[:PORT]; repeat for several (the first is the primary)'
            cand -y 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users'
            cand --key 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users'
            cand -k 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name'
            cand --key-file 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name'
            cand --key-name 'Which key of the --key-file to use, when it holds more than one'
            cand --tls-ca 'CA certificates (PEM) the server''s certificate must chain to (strict TLS)'
            cand --tls-hostname 'The name the server''s certificate must carry (and the SNI sent); the server''s IP address when left out'
            cand --tls-cert 'Our client certificate (PEM), for servers that require mutual TLS'
            cand --tls-key 'The private key (PEM) of --tls-cert'
            cand --color 'When to use colours in logs and tables'
            cand --log-format 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors'
            cand --strict 'Treat warnings as errors'
            cand --verify-signatures 'In signed zones, verify every RRSIG cryptographically against the DNSKEYs'
            cand --ns 'Also check the hosts named by the zone''s NS records (not with --tls: their TLS ports are unknown)'
            cand --content 'Also transfer the zone from each server and compare the records'
            cand --tls 'Transfer over TLS (XoT, RFC 9103: TLS 1.3, ALPN "dot"); give the server''s TLS port with -s. Without --tls-ca the server is not authenticated (opportunistic, RFC 9103 §9.3)'
            cand -v 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand --verbose 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
            cand -q 'Log only errors, and draw no progress bars'
            cand --quiet 'Log only errors, and draw no progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'zonesync;help'= {
            cand serve 'Run the authoritative server, or steer a running one'
            cand axfr 'Fetch a whole zone by AXFR (RFC 5936) and write it as a zone file'
            cand ixfr 'Fetch the changes to a zone since a serial by IXFR (RFC 1995)'
            cand notify 'Send NOTIFY (RFC 1996) for a zone to one or more servers'
            cand sync-zonelist 'Mirror super masters'' zone lists and zones into a directory'
            cand tsig-keygen 'Generate a TSIG key and print it as configuration'
            cand check 'Validate zone files and serve configs, or check a fleet for consistency'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'zonesync;help;serve'= {
            cand status 'Show the server and its zones: role, serial, state, refresh times, last error, and which secondary has which serial (the propagation view)'
            cand refresh 'Secondary zone: check the primary now. Primary zone: re-read the zone file'
            cand retransfer 'Secondary zone: transfer the whole zone now (AXFR)'
            cand notify 'Send NOTIFY for the zone''s current serial to its secondaries'
            cand reload 'Re-read the config (zones added, removed, changed; keys) and every zone file'
            cand bulk-refresh 'Super slave: refresh every zone of the super masters'' catalogs now'
        }
        &'zonesync;help;serve;status'= {
        }
        &'zonesync;help;serve;refresh'= {
        }
        &'zonesync;help;serve;retransfer'= {
        }
        &'zonesync;help;serve;notify'= {
        }
        &'zonesync;help;serve;reload'= {
        }
        &'zonesync;help;serve;bulk-refresh'= {
        }
        &'zonesync;help;axfr'= {
        }
        &'zonesync;help;ixfr'= {
        }
        &'zonesync;help;notify'= {
        }
        &'zonesync;help;sync-zonelist'= {
        }
        &'zonesync;help;tsig-keygen'= {
        }
        &'zonesync;help;check'= {
        }
        &'zonesync;help;help'= {
        }
    ]
    $completions[$command]
}
