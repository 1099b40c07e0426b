
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'zonesync' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'zonesync'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'zonesync' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in logs and tables')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the authoritative server, or steer a running one')
            [CompletionResult]::new('axfr', 'axfr', [CompletionResultType]::ParameterValue, 'Fetch a whole zone by AXFR (RFC 5936) and write it as a zone file')
            [CompletionResult]::new('ixfr', 'ixfr', [CompletionResultType]::ParameterValue, 'Fetch the changes to a zone since a serial by IXFR (RFC 1995)')
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Send NOTIFY (RFC 1996) for a zone to one or more servers')
            [CompletionResult]::new('sync-zonelist', 'sync-zonelist', [CompletionResultType]::ParameterValue, 'Mirror super masters'' zone lists and zones into a directory')
            [CompletionResult]::new('tsig-keygen', 'tsig-keygen', [CompletionResultType]::ParameterValue, 'Generate a TSIG key and print it as configuration')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate zone files and serve configs, or check a fleet for consistency')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zonesync;serve' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The YAML configuration file. Without -c, $ZONESYNC_CONFIG names it, and without that it is /etc/zonesync/zonesync.yaml, so the control commands need no -c')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The YAML configuration file. Without -c, $ZONESYNC_CONFIG names it, and without that it is /etc/zonesync/zonesync.yaml, so the control commands need no -c')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of the control commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in logs and tables')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone''s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the server and its zones: role, serial, state, refresh times, last error, and which secondary has which serial (the propagation view)')
            [CompletionResult]::new('refresh', 'refresh', [CompletionResultType]::ParameterValue, 'Secondary zone: check the primary now. Primary zone: re-read the zone file')
            [CompletionResult]::new('retransfer', 'retransfer', [CompletionResultType]::ParameterValue, 'Secondary zone: transfer the whole zone now (AXFR)')
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Send NOTIFY for the zone''s current serial to its secondaries')
            [CompletionResult]::new('reload', 'reload', [CompletionResultType]::ParameterValue, 'Re-read the config (zones added, removed, changed; keys) and every zone file')
            [CompletionResult]::new('bulk-refresh', 'bulk-refresh', [CompletionResultType]::ParameterValue, 'Super slave: refresh every zone of the super masters'' catalogs now')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zonesync;serve;status' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of the control commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in logs and tables')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone''s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zonesync;serve;refresh' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of the control commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in logs and tables')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone''s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zonesync;serve;retransfer' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of the control commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in logs and tables')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone''s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zonesync;serve;notify' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of the control commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in logs and tables')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone''s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zonesync;serve;reload' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of the control commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in logs and tables')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone''s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zonesync;serve;bulk-refresh' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of the control commands')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in logs and tables')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone''s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zonesync;serve;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the server and its zones: role, serial, state, refresh times, last error, and which secondary has which serial (the propagation view)')
            [CompletionResult]::new('refresh', 'refresh', [CompletionResultType]::ParameterValue, 'Secondary zone: check the primary now. Primary zone: re-read the zone file')
            [CompletionResult]::new('retransfer', 'retransfer', [CompletionResultType]::ParameterValue, 'Secondary zone: transfer the whole zone now (AXFR)')
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Send NOTIFY for the zone''s current serial to its secondaries')
            [CompletionResult]::new('reload', 'reload', [CompletionResultType]::ParameterValue, 'Re-read the config (zones added, removed, changed; keys) and every zone file')
            [CompletionResult]::new('bulk-refresh', 'bulk-refresh', [CompletionResultType]::ParameterValue, 'Super slave: refresh every zone of the super masters'' catalogs now')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zonesync;serve;help;status' {
            break
        }
        'zonesync;serve;help;refresh' {
            break
        }
        'zonesync;serve;help;retransfer' {
            break
        }
        'zonesync;serve;help;notify' {
            break
        }
        'zonesync;serve;help;reload' {
            break
        }
        'zonesync;serve;help;bulk-refresh' {
            break
        }
        'zonesync;serve;help;help' {
            break
        }
        'zonesync;axfr' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The server to transfer from, HOST[:PORT] or [V6]:PORT (port 53 by default)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The server to transfer from, HOST[:PORT] or [V6]:PORT (port 53 by default)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name')
            [CompletionResult]::new('--key-name', '--key-name', [CompletionResultType]::ParameterName, 'Which key of the --key-file to use, when it holds more than one')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'CA certificates (PEM) the server''s certificate must chain to (strict TLS)')
            [CompletionResult]::new('--tls-hostname', '--tls-hostname', [CompletionResultType]::ParameterName, 'The name the server''s certificate must carry (and the SNI sent); the server''s IP address when left out')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Our client certificate (PEM), for servers that require mutual TLS')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the zone here instead of stdout (atomically, when complete)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the zone here instead of stdout (atomically, when complete)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each message (not for the whole transfer)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in logs and tables')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Transfer over TLS (XoT, RFC 9103: TLS 1.3, ALPN "dot"); give the server''s TLS port with -s. Without --tls-ca the server is not authenticated (opportunistic, RFC 9103 §9.3)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zonesync;ixfr' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The server, HOST[:PORT] or [V6]:PORT (port 53 by default)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The server, HOST[:PORT] or [V6]:PORT (port 53 by default)')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The serial the changes start from (the one we have)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name')
            [CompletionResult]::new('--key-name', '--key-name', [CompletionResultType]::ParameterName, 'Which key of the --key-file to use, when it holds more than one')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'CA certificates (PEM) the server''s certificate must chain to (strict TLS)')
            [CompletionResult]::new('--tls-hostname', '--tls-hostname', [CompletionResultType]::ParameterName, 'The name the server''s certificate must carry (and the SNI sent); the server''s IP address when left out')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Our client certificate (PEM), for servers that require mutual TLS')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the output here instead of stdout (atomically, once the transfer is complete), as axfr''s -o')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the output here instead of stdout (atomically, once the transfer is complete), as axfr''s -o')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each message')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in logs and tables')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'Ask over UDP first (falls back to TCP when the answer does not fit)')
            [CompletionResult]::new('--no-fallback', '--no-fallback', [CompletionResultType]::ParameterName, 'Fail instead of falling back to AXFR when the server cannot serve IXFR')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Transfer over TLS (XoT, RFC 9103: TLS 1.3, ALPN "dot"); give the server''s TLS port with -s. Without --tls-ca the server is not authenticated (opportunistic, RFC 9103 §9.3)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zonesync;notify' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'A server to notify, HOST[:PORT] or [V6]:PORT; repeat for several')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'A server to notify, HOST[:PORT] or [V6]:PORT; repeat for several')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'Put this serial in the NOTIFY as an SOA hint (RFC 1996 §3.7)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name')
            [CompletionResult]::new('--key-name', '--key-name', [CompletionResultType]::ParameterName, 'Which key of the --key-file to use, when it holds more than one')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retransmissions after the first attempt (RFC 1996 §3.6)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Wait for an answer this long before the first retransmission (doubling after)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in logs and tables')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'Send over TCP instead of UDP')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zonesync;sync-zonelist' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'A super master, HOST[:PORT] or [V6]:PORT; repeat for several')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'A super master, HOST[:PORT] or [V6]:PORT; repeat for several')
            [CompletionResult]::new('--catalog', '--catalog', [CompletionResultType]::ParameterName, 'The catalog zone that lists the zones')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name')
            [CompletionResult]::new('--key-name', '--key-name', [CompletionResultType]::ParameterName, 'Which key of the --key-file to use, when it holds more than one')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The directory to mirror into')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--max-deletions', '--max-deletions', [CompletionResultType]::ParameterName, 'Refuse to delete more than N zones of one catalog in one run (a guard against a master that lost its zone list): none is deleted, and the run exits 1')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer or message')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'After a run that added, updated or removed a zone, run CMD with `sh -c` (environment: ZONESYNC_ADDED, ZONESYNC_UPDATED, ZONESYNC_REMOVED, …)')
            [CompletionResult]::new('--zone-list', '--zone-list', [CompletionResultType]::ParameterName, 'Write the include that makes a server serve every zone of DIR here (atomically, when it changes)')
            [CompletionResult]::new('--zone-list-format', '--zone-list-format', [CompletionResultType]::ParameterName, 'The server the --zone-list include is for')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in logs and tables')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Say what would change, change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zonesync;tsig-keygen' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'The HMAC algorithm (hmac-md5 only for old peers)')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'The HMAC algorithm (hmac-md5 only for old peers)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Which server''s configuration syntax to print. Repeat it for several (`--format bind --format knot`): every format of one run carries the same key')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in logs and tables')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zonesync;check' {
            [CompletionResult]::new('--origin', '--origin', [CompletionResultType]::ParameterName, 'The zone''s origin (else taken from the file name or the SOA owner)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format (`table` is the same as `text`)')
            [CompletionResult]::new('--expiry-warning', '--expiry-warning', [CompletionResultType]::ParameterName, 'In signed zones, warn about RRSIGs that expire within this time (`7d`, `36h`)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Validate a serve config and every zone file it names')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'Compare ZONE across servers (the first -s is the primary)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'A server of the fleet, HOST[:PORT]; repeat for several (the first is the primary)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'A server of the fleet, HOST[:PORT]; repeat for several (the first is the primary)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig''s -y. Note that a key on the command line is visible to other local users')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name')
            [CompletionResult]::new('--key-name', '--key-name', [CompletionResultType]::ParameterName, 'Which key of the --key-file to use, when it holds more than one')
            [CompletionResult]::new('--tls-ca', '--tls-ca', [CompletionResultType]::ParameterName, 'CA certificates (PEM) the server''s certificate must chain to (strict TLS)')
            [CompletionResult]::new('--tls-hostname', '--tls-hostname', [CompletionResultType]::ParameterName, 'The name the server''s certificate must carry (and the SNI sent); the server''s IP address when left out')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Our client certificate (PEM), for servers that require mutual TLS')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key (PEM) of --tls-cert')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in logs and tables')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Treat warnings as errors')
            [CompletionResult]::new('--verify-signatures', '--verify-signatures', [CompletionResultType]::ParameterName, 'In signed zones, verify every RRSIG cryptographically against the DNSKEYs')
            [CompletionResult]::new('--ns', '--ns', [CompletionResultType]::ParameterName, 'Also check the hosts named by the zone''s NS records (not with --tls: their TLS ports are unknown)')
            [CompletionResult]::new('--content', '--content', [CompletionResultType]::ParameterName, 'Also transfer the zone from each server and compare the records')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Transfer over TLS (XoT, RFC 9103: TLS 1.3, ALPN "dot"); give the server''s TLS port with -s. Without --tls-ca the server is not authenticated (opportunistic, RFC 9103 §9.3)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log only errors, and draw no progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'zonesync;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the authoritative server, or steer a running one')
            [CompletionResult]::new('axfr', 'axfr', [CompletionResultType]::ParameterValue, 'Fetch a whole zone by AXFR (RFC 5936) and write it as a zone file')
            [CompletionResult]::new('ixfr', 'ixfr', [CompletionResultType]::ParameterValue, 'Fetch the changes to a zone since a serial by IXFR (RFC 1995)')
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Send NOTIFY (RFC 1996) for a zone to one or more servers')
            [CompletionResult]::new('sync-zonelist', 'sync-zonelist', [CompletionResultType]::ParameterValue, 'Mirror super masters'' zone lists and zones into a directory')
            [CompletionResult]::new('tsig-keygen', 'tsig-keygen', [CompletionResultType]::ParameterValue, 'Generate a TSIG key and print it as configuration')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate zone files and serve configs, or check a fleet for consistency')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'zonesync;help;serve' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the server and its zones: role, serial, state, refresh times, last error, and which secondary has which serial (the propagation view)')
            [CompletionResult]::new('refresh', 'refresh', [CompletionResultType]::ParameterValue, 'Secondary zone: check the primary now. Primary zone: re-read the zone file')
            [CompletionResult]::new('retransfer', 'retransfer', [CompletionResultType]::ParameterValue, 'Secondary zone: transfer the whole zone now (AXFR)')
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Send NOTIFY for the zone''s current serial to its secondaries')
            [CompletionResult]::new('reload', 'reload', [CompletionResultType]::ParameterValue, 'Re-read the config (zones added, removed, changed; keys) and every zone file')
            [CompletionResult]::new('bulk-refresh', 'bulk-refresh', [CompletionResultType]::ParameterValue, 'Super slave: refresh every zone of the super masters'' catalogs now')
            break
        }
        'zonesync;help;serve;status' {
            break
        }
        'zonesync;help;serve;refresh' {
            break
        }
        'zonesync;help;serve;retransfer' {
            break
        }
        'zonesync;help;serve;notify' {
            break
        }
        'zonesync;help;serve;reload' {
            break
        }
        'zonesync;help;serve;bulk-refresh' {
            break
        }
        'zonesync;help;axfr' {
            break
        }
        'zonesync;help;ixfr' {
            break
        }
        'zonesync;help;notify' {
            break
        }
        'zonesync;help;sync-zonelist' {
            break
        }
        'zonesync;help;tsig-keygen' {
            break
        }
        'zonesync;help;check' {
            break
        }
        'zonesync;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
