# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_zonesync_global_optspecs
    string join \n v/verbose q/quiet color= log-format= h/help V/version
end

function __fish_zonesync_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_zonesync_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_zonesync_using_subcommand
    set -l cmd (__fish_zonesync_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c zonesync -n "__fish_zonesync_needs_command" -l color -d 'When to use colours in logs and tables' -r -f -a "auto\t'Colour when the output is a terminal'
always\t'Always colour'
never\t'Never colour'"
complete -c zonesync -n "__fish_zonesync_needs_command" -l log-format -d 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors' -r -f -a "text\t'One line of text per event: time, level, spans, message, `key=value` fields'
json\t'One JSON object per event (never coloured)'"
complete -c zonesync -n "__fish_zonesync_needs_command" -s v -l verbose -d 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
complete -c zonesync -n "__fish_zonesync_needs_command" -s q -l quiet -d 'Log only errors, and draw no progress bars'
complete -c zonesync -n "__fish_zonesync_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zonesync -n "__fish_zonesync_needs_command" -s V -l version -d 'Print version'
complete -c zonesync -n "__fish_zonesync_needs_command" -f -a "serve" -d 'Run the authoritative server, or steer a running one'
complete -c zonesync -n "__fish_zonesync_needs_command" -f -a "axfr" -d 'Fetch a whole zone by AXFR (RFC 5936) and write it as a zone file'
complete -c zonesync -n "__fish_zonesync_needs_command" -f -a "ixfr" -d 'Fetch the changes to a zone since a serial by IXFR (RFC 1995)'
complete -c zonesync -n "__fish_zonesync_needs_command" -f -a "notify" -d 'Send NOTIFY (RFC 1996) for a zone to one or more servers'
complete -c zonesync -n "__fish_zonesync_needs_command" -f -a "sync-zonelist" -d 'Mirror super masters\' zone lists and zones into a directory'
complete -c zonesync -n "__fish_zonesync_needs_command" -f -a "tsig-keygen" -d 'Generate a TSIG key and print it as configuration'
complete -c zonesync -n "__fish_zonesync_needs_command" -f -a "check" -d 'Validate zone files and serve configs, or check a fleet for consistency'
complete -c zonesync -n "__fish_zonesync_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and not __fish_seen_subcommand_from status refresh retransfer notify reload bulk-refresh help" -s c -l config -d 'The YAML configuration file. Without -c, $ZONESYNC_CONFIG names it, and without that it is /etc/zonesync/zonesync.yaml, so the control commands need no -c' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and not __fish_seen_subcommand_from status refresh retransfer notify reload bulk-refresh help" -l format -d 'Output format of the control commands' -r -f -a "table\t'A table for people'
json\t'JSON for machines'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and not __fish_seen_subcommand_from status refresh retransfer notify reload bulk-refresh help" -l color -d 'When to use colours in logs and tables' -r -f -a "auto\t'Colour when the output is a terminal'
always\t'Always colour'
never\t'Never colour'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and not __fish_seen_subcommand_from status refresh retransfer notify reload bulk-refresh help" -l log-format -d 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors' -r -f -a "text\t'One line of text per event: time, level, spans, message, `key=value` fields'
json\t'One JSON object per event (never coloured)'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and not __fish_seen_subcommand_from status refresh retransfer notify reload bulk-refresh help" -l wide -d '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone\'s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and not __fish_seen_subcommand_from status refresh retransfer notify reload bulk-refresh help" -s v -l verbose -d 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and not __fish_seen_subcommand_from status refresh retransfer notify reload bulk-refresh help" -s q -l quiet -d 'Log only errors, and draw no progress bars'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and not __fish_seen_subcommand_from status refresh retransfer notify reload bulk-refresh help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and not __fish_seen_subcommand_from status refresh retransfer notify reload bulk-refresh help" -s V -l version -d 'Print version'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and not __fish_seen_subcommand_from status refresh retransfer notify reload bulk-refresh help" -f -a "status" -d 'Show the server and its zones: role, serial, state, refresh times, last error, and which secondary has which serial (the propagation view)'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and not __fish_seen_subcommand_from status refresh retransfer notify reload bulk-refresh help" -f -a "refresh" -d 'Secondary zone: check the primary now. Primary zone: re-read the zone file'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and not __fish_seen_subcommand_from status refresh retransfer notify reload bulk-refresh help" -f -a "retransfer" -d 'Secondary zone: transfer the whole zone now (AXFR)'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and not __fish_seen_subcommand_from status refresh retransfer notify reload bulk-refresh help" -f -a "notify" -d 'Send NOTIFY for the zone\'s current serial to its secondaries'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and not __fish_seen_subcommand_from status refresh retransfer notify reload bulk-refresh help" -f -a "reload" -d 'Re-read the config (zones added, removed, changed; keys) and every zone file'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and not __fish_seen_subcommand_from status refresh retransfer notify reload bulk-refresh help" -f -a "bulk-refresh" -d 'Super slave: refresh every zone of the super masters\' catalogs now'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and not __fish_seen_subcommand_from status refresh retransfer notify reload bulk-refresh help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from status" -l format -d 'Output format of the control commands' -r -f -a "table\t'A table for people'
json\t'JSON for machines'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from status" -l color -d 'When to use colours in logs and tables' -r -f -a "auto\t'Colour when the output is a terminal'
always\t'Always colour'
never\t'Never colour'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from status" -l log-format -d 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors' -r -f -a "text\t'One line of text per event: time, level, spans, message, `key=value` fields'
json\t'One JSON object per event (never coloured)'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from status" -l wide -d '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone\'s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Log only errors, and draw no progress bars'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from refresh" -l format -d 'Output format of the control commands' -r -f -a "table\t'A table for people'
json\t'JSON for machines'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from refresh" -l color -d 'When to use colours in logs and tables' -r -f -a "auto\t'Colour when the output is a terminal'
always\t'Always colour'
never\t'Never colour'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from refresh" -l log-format -d 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors' -r -f -a "text\t'One line of text per event: time, level, spans, message, `key=value` fields'
json\t'One JSON object per event (never coloured)'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from refresh" -l wide -d '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone\'s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from refresh" -s v -l verbose -d 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from refresh" -s q -l quiet -d 'Log only errors, and draw no progress bars'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from refresh" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from refresh" -s V -l version -d 'Print version'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from retransfer" -l format -d 'Output format of the control commands' -r -f -a "table\t'A table for people'
json\t'JSON for machines'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from retransfer" -l color -d 'When to use colours in logs and tables' -r -f -a "auto\t'Colour when the output is a terminal'
always\t'Always colour'
never\t'Never colour'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from retransfer" -l log-format -d 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors' -r -f -a "text\t'One line of text per event: time, level, spans, message, `key=value` fields'
json\t'One JSON object per event (never coloured)'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from retransfer" -l wide -d '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone\'s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from retransfer" -s v -l verbose -d 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from retransfer" -s q -l quiet -d 'Log only errors, and draw no progress bars'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from retransfer" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from retransfer" -s V -l version -d 'Print version'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from notify" -l format -d 'Output format of the control commands' -r -f -a "table\t'A table for people'
json\t'JSON for machines'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from notify" -l color -d 'When to use colours in logs and tables' -r -f -a "auto\t'Colour when the output is a terminal'
always\t'Always colour'
never\t'Never colour'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from notify" -l log-format -d 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors' -r -f -a "text\t'One line of text per event: time, level, spans, message, `key=value` fields'
json\t'One JSON object per event (never coloured)'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from notify" -l wide -d '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone\'s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from notify" -s v -l verbose -d 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from notify" -s q -l quiet -d 'Log only errors, and draw no progress bars'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from notify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from notify" -s V -l version -d 'Print version'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from reload" -l format -d 'Output format of the control commands' -r -f -a "table\t'A table for people'
json\t'JSON for machines'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from reload" -l color -d 'When to use colours in logs and tables' -r -f -a "auto\t'Colour when the output is a terminal'
always\t'Always colour'
never\t'Never colour'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from reload" -l log-format -d 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors' -r -f -a "text\t'One line of text per event: time, level, spans, message, `key=value` fields'
json\t'One JSON object per event (never coloured)'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from reload" -l wide -d '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone\'s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from reload" -s v -l verbose -d 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from reload" -s q -l quiet -d 'Log only errors, and draw no progress bars'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from reload" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from reload" -s V -l version -d 'Print version'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from bulk-refresh" -l format -d 'Output format of the control commands' -r -f -a "table\t'A table for people'
json\t'JSON for machines'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from bulk-refresh" -l color -d 'When to use colours in logs and tables' -r -f -a "auto\t'Colour when the output is a terminal'
always\t'Always colour'
never\t'Never colour'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from bulk-refresh" -l log-format -d 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors' -r -f -a "text\t'One line of text per event: time, level, spans, message, `key=value` fields'
json\t'One JSON object per event (never coloured)'"
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from bulk-refresh" -l wide -d '`status` as one line per zone, however wide. Without it the table fits $COLUMNS or the terminal (columns that do not fit wrap onto each zone\'s next lines; no serial or word is split); output that is not a terminal is not wrapped unless $COLUMNS is set'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from bulk-refresh" -s v -l verbose -d 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from bulk-refresh" -s q -l quiet -d 'Log only errors, and draw no progress bars'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from bulk-refresh" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from bulk-refresh" -s V -l version -d 'Print version'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show the server and its zones: role, serial, state, refresh times, last error, and which secondary has which serial (the propagation view)'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from help" -f -a "refresh" -d 'Secondary zone: check the primary now. Primary zone: re-read the zone file'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from help" -f -a "retransfer" -d 'Secondary zone: transfer the whole zone now (AXFR)'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from help" -f -a "notify" -d 'Send NOTIFY for the zone\'s current serial to its secondaries'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from help" -f -a "reload" -d 'Re-read the config (zones added, removed, changed; keys) and every zone file'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from help" -f -a "bulk-refresh" -d 'Super slave: refresh every zone of the super masters\' catalogs now'
complete -c zonesync -n "__fish_zonesync_using_subcommand serve; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -s s -l server -d 'The server to transfer from, HOST[:PORT] or [V6]:PORT (port 53 by default)' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -s y -l key -d 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig\'s -y. Note that a key on the command line is visible to other local users' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -s k -l key-file -d 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -l key-name -d 'Which key of the --key-file to use, when it holds more than one' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -l tls-ca -d 'CA certificates (PEM) the server\'s certificate must chain to (strict TLS)' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -l tls-hostname -d 'The name the server\'s certificate must carry (and the SNI sent); the server\'s IP address when left out' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -l tls-cert -d 'Our client certificate (PEM), for servers that require mutual TLS' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -l tls-key -d 'The private key (PEM) of --tls-cert' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -s o -l output -d 'Write the zone here instead of stdout (atomically, when complete)' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -l format -d 'Output format' -r -f -a "zone\t'A zone file (RFC 1035 presentation format)'
json\t'JSON: the records with their fields'"
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -l timeout -d 'How long to wait for each message (not for the whole transfer)' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -l color -d 'When to use colours in logs and tables' -r -f -a "auto\t'Colour when the output is a terminal'
always\t'Always colour'
never\t'Never colour'"
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -l log-format -d 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors' -r -f -a "text\t'One line of text per event: time, level, spans, message, `key=value` fields'
json\t'One JSON object per event (never coloured)'"
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -l tls -d 'Transfer over TLS (XoT, RFC 9103: TLS 1.3, ALPN "dot"); give the server\'s TLS port with -s. Without --tls-ca the server is not authenticated (opportunistic, RFC 9103 §9.3)'
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -s v -l verbose -d 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -s q -l quiet -d 'Log only errors, and draw no progress bars'
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zonesync -n "__fish_zonesync_using_subcommand axfr" -s V -l version -d 'Print version'
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -s s -l server -d 'The server, HOST[:PORT] or [V6]:PORT (port 53 by default)' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -l serial -d 'The serial the changes start from (the one we have)' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -s y -l key -d 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig\'s -y. Note that a key on the command line is visible to other local users' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -s k -l key-file -d 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -l key-name -d 'Which key of the --key-file to use, when it holds more than one' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -l tls-ca -d 'CA certificates (PEM) the server\'s certificate must chain to (strict TLS)' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -l tls-hostname -d 'The name the server\'s certificate must carry (and the SNI sent); the server\'s IP address when left out' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -l tls-cert -d 'Our client certificate (PEM), for servers that require mutual TLS' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -l tls-key -d 'The private key (PEM) of --tls-cert' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -s o -l output -d 'Write the output here instead of stdout (atomically, once the transfer is complete), as axfr\'s -o' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -l format -d 'Output format' -r -f -a "diff\t'`; serial A -> B` headers and `-`/`+` record lines'
json\t'JSON'"
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -l timeout -d 'How long to wait for each message' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -l color -d 'When to use colours in logs and tables' -r -f -a "auto\t'Colour when the output is a terminal'
always\t'Always colour'
never\t'Never colour'"
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -l log-format -d 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors' -r -f -a "text\t'One line of text per event: time, level, spans, message, `key=value` fields'
json\t'One JSON object per event (never coloured)'"
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -l udp -d 'Ask over UDP first (falls back to TCP when the answer does not fit)'
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -l no-fallback -d 'Fail instead of falling back to AXFR when the server cannot serve IXFR'
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -l tls -d 'Transfer over TLS (XoT, RFC 9103: TLS 1.3, ALPN "dot"); give the server\'s TLS port with -s. Without --tls-ca the server is not authenticated (opportunistic, RFC 9103 §9.3)'
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -s v -l verbose -d 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -s q -l quiet -d 'Log only errors, and draw no progress bars'
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zonesync -n "__fish_zonesync_using_subcommand ixfr" -s V -l version -d 'Print version'
complete -c zonesync -n "__fish_zonesync_using_subcommand notify" -s s -l server -d 'A server to notify, HOST[:PORT] or [V6]:PORT; repeat for several' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand notify" -l serial -d 'Put this serial in the NOTIFY as an SOA hint (RFC 1996 §3.7)' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand notify" -s y -l key -d 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig\'s -y. Note that a key on the command line is visible to other local users' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand notify" -s k -l key-file -d 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand notify" -l key-name -d 'Which key of the --key-file to use, when it holds more than one' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand notify" -l retries -d 'Retransmissions after the first attempt (RFC 1996 §3.6)' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand notify" -l timeout -d 'Wait for an answer this long before the first retransmission (doubling after)' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand notify" -l color -d 'When to use colours in logs and tables' -r -f -a "auto\t'Colour when the output is a terminal'
always\t'Always colour'
never\t'Never colour'"
complete -c zonesync -n "__fish_zonesync_using_subcommand notify" -l log-format -d 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors' -r -f -a "text\t'One line of text per event: time, level, spans, message, `key=value` fields'
json\t'One JSON object per event (never coloured)'"
complete -c zonesync -n "__fish_zonesync_using_subcommand notify" -l tcp -d 'Send over TCP instead of UDP'
complete -c zonesync -n "__fish_zonesync_using_subcommand notify" -s v -l verbose -d 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
complete -c zonesync -n "__fish_zonesync_using_subcommand notify" -s q -l quiet -d 'Log only errors, and draw no progress bars'
complete -c zonesync -n "__fish_zonesync_using_subcommand notify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zonesync -n "__fish_zonesync_using_subcommand notify" -s V -l version -d 'Print version'
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -s s -l server -d 'A super master, HOST[:PORT] or [V6]:PORT; repeat for several' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -l catalog -d 'The catalog zone that lists the zones' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -s y -l key -d 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig\'s -y. Note that a key on the command line is visible to other local users' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -s k -l key-file -d 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -l key-name -d 'Which key of the --key-file to use, when it holds more than one' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -l dir -d 'The directory to mirror into' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'JSON for machines'"
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -l max-deletions -d 'Refuse to delete more than N zones of one catalog in one run (a guard against a master that lost its zone list): none is deleted, and the run exits 1' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -l timeout -d 'How long to wait for each answer or message' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -l exec -d 'After a run that added, updated or removed a zone, run CMD with `sh -c` (environment: ZONESYNC_ADDED, ZONESYNC_UPDATED, ZONESYNC_REMOVED, …)' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -l zone-list -d 'Write the include that makes a server serve every zone of DIR here (atomically, when it changes)' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -l zone-list-format -d 'The server the --zone-list include is for' -r -f -a "nsd\t'`zone:` clauses for nsd.conf'
knot\t'A `zone:` section for knot.conf'
bind\t'`zone` statements for named.conf'"
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -l color -d 'When to use colours in logs and tables' -r -f -a "auto\t'Colour when the output is a terminal'
always\t'Always colour'
never\t'Never colour'"
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -l log-format -d 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors' -r -f -a "text\t'One line of text per event: time, level, spans, message, `key=value` fields'
json\t'One JSON object per event (never coloured)'"
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -l dry-run -d 'Say what would change, change nothing'
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -s v -l verbose -d 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -s q -l quiet -d 'Log only errors, and draw no progress bars'
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zonesync -n "__fish_zonesync_using_subcommand sync-zonelist" -s V -l version -d 'Print version'
complete -c zonesync -n "__fish_zonesync_using_subcommand tsig-keygen" -s a -l algorithm -d 'The HMAC algorithm (hmac-md5 only for old peers)' -r -f -a "hmac-sha256\t''
hmac-sha384\t''
hmac-sha512\t''
hmac-sha224\t''
hmac-sha1\t''
hmac-md5\t''"
complete -c zonesync -n "__fish_zonesync_using_subcommand tsig-keygen" -l format -d 'Which server\'s configuration syntax to print. Repeat it for several (`--format bind --format knot`): every format of one run carries the same key' -r -f -a "bind\t'A BIND `key` statement (also a key file for `-k`, dig and rndc)'
knot\t'A Knot DNS `key:` section'
nsd\t'An NSD `key:` clause'
pdns\t'The `pdnsutil import-tsig-key` command for PowerDNS'
yaml\t'An entry for the `keys:` list of a zonesync serve config'
dig\t'dig\'s (and `zonesync axfr`\'s) `-y ALG:NAME:SECRET` option'"
complete -c zonesync -n "__fish_zonesync_using_subcommand tsig-keygen" -l color -d 'When to use colours in logs and tables' -r -f -a "auto\t'Colour when the output is a terminal'
always\t'Always colour'
never\t'Never colour'"
complete -c zonesync -n "__fish_zonesync_using_subcommand tsig-keygen" -l log-format -d 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors' -r -f -a "text\t'One line of text per event: time, level, spans, message, `key=value` fields'
json\t'One JSON object per event (never coloured)'"
complete -c zonesync -n "__fish_zonesync_using_subcommand tsig-keygen" -s v -l verbose -d 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
complete -c zonesync -n "__fish_zonesync_using_subcommand tsig-keygen" -s q -l quiet -d 'Log only errors, and draw no progress bars'
complete -c zonesync -n "__fish_zonesync_using_subcommand tsig-keygen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zonesync -n "__fish_zonesync_using_subcommand tsig-keygen" -s V -l version -d 'Print version'
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l origin -d 'The zone\'s origin (else taken from the file name or the SOA owner)' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l format -d 'Output format (`table` is the same as `text`)' -r -f -a "text\t'Compiler-style findings and a summary table'
json\t'JSON for machines'"
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l expiry-warning -d 'In signed zones, warn about RRSIGs that expire within this time (`7d`, `36h`)' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l config -d 'Validate a serve config and every zone file it names' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l fleet -d 'Compare ZONE across servers (the first -s is the primary)' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -s s -l server -d 'A server of the fleet, HOST[:PORT]; repeat for several (the first is the primary)' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -s y -l key -d 'TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out), as dig\'s -y. Note that a key on the command line is visible to other local users' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -s k -l key-file -d 'Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes). With several keys in the file, choose one with --key-name' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l key-name -d 'Which key of the --key-file to use, when it holds more than one' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l tls-ca -d 'CA certificates (PEM) the server\'s certificate must chain to (strict TLS)' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l tls-hostname -d 'The name the server\'s certificate must carry (and the SNI sent); the server\'s IP address when left out' -r
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l tls-cert -d 'Our client certificate (PEM), for servers that require mutual TLS' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l tls-key -d 'The private key (PEM) of --tls-cert' -r -F
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l color -d 'When to use colours in logs and tables' -r -f -a "auto\t'Colour when the output is a terminal'
always\t'Always colour'
never\t'Never colour'"
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l log-format -d 'How log lines on stderr are written: `text` for people, `json` (one object per line: timestamp, level, message, fields, spans) for log collectors' -r -f -a "text\t'One line of text per event: time, level, spans, message, `key=value` fields'
json\t'One JSON object per event (never coloured)'"
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l strict -d 'Treat warnings as errors'
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l verify-signatures -d 'In signed zones, verify every RRSIG cryptographically against the DNSKEYs'
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l ns -d 'Also check the hosts named by the zone\'s NS records (not with --tls: their TLS ports are unknown)'
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l content -d 'Also transfer the zone from each server and compare the records'
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -l tls -d 'Transfer over TLS (XoT, RFC 9103: TLS 1.3, ALPN "dot"); give the server\'s TLS port with -s. Without --tls-ca the server is not authenticated (opportunistic, RFC 9103 §9.3)'
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -s v -l verbose -d 'Log more (repeat for more: -v info, -vv debug, -vvv trace). RUST_LOG, when set, takes precedence'
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -s q -l quiet -d 'Log only errors, and draw no progress bars'
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c zonesync -n "__fish_zonesync_using_subcommand check" -s V -l version -d 'Print version'
complete -c zonesync -n "__fish_zonesync_using_subcommand help; and not __fish_seen_subcommand_from serve axfr ixfr notify sync-zonelist tsig-keygen check help" -f -a "serve" -d 'Run the authoritative server, or steer a running one'
complete -c zonesync -n "__fish_zonesync_using_subcommand help; and not __fish_seen_subcommand_from serve axfr ixfr notify sync-zonelist tsig-keygen check help" -f -a "axfr" -d 'Fetch a whole zone by AXFR (RFC 5936) and write it as a zone file'
complete -c zonesync -n "__fish_zonesync_using_subcommand help; and not __fish_seen_subcommand_from serve axfr ixfr notify sync-zonelist tsig-keygen check help" -f -a "ixfr" -d 'Fetch the changes to a zone since a serial by IXFR (RFC 1995)'
complete -c zonesync -n "__fish_zonesync_using_subcommand help; and not __fish_seen_subcommand_from serve axfr ixfr notify sync-zonelist tsig-keygen check help" -f -a "notify" -d 'Send NOTIFY (RFC 1996) for a zone to one or more servers'
complete -c zonesync -n "__fish_zonesync_using_subcommand help; and not __fish_seen_subcommand_from serve axfr ixfr notify sync-zonelist tsig-keygen check help" -f -a "sync-zonelist" -d 'Mirror super masters\' zone lists and zones into a directory'
complete -c zonesync -n "__fish_zonesync_using_subcommand help; and not __fish_seen_subcommand_from serve axfr ixfr notify sync-zonelist tsig-keygen check help" -f -a "tsig-keygen" -d 'Generate a TSIG key and print it as configuration'
complete -c zonesync -n "__fish_zonesync_using_subcommand help; and not __fish_seen_subcommand_from serve axfr ixfr notify sync-zonelist tsig-keygen check help" -f -a "check" -d 'Validate zone files and serve configs, or check a fleet for consistency'
complete -c zonesync -n "__fish_zonesync_using_subcommand help; and not __fish_seen_subcommand_from serve axfr ixfr notify sync-zonelist tsig-keygen check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c zonesync -n "__fish_zonesync_using_subcommand help; and __fish_seen_subcommand_from serve" -f -a "status" -d 'Show the server and its zones: role, serial, state, refresh times, last error, and which secondary has which serial (the propagation view)'
complete -c zonesync -n "__fish_zonesync_using_subcommand help; and __fish_seen_subcommand_from serve" -f -a "refresh" -d 'Secondary zone: check the primary now. Primary zone: re-read the zone file'
complete -c zonesync -n "__fish_zonesync_using_subcommand help; and __fish_seen_subcommand_from serve" -f -a "retransfer" -d 'Secondary zone: transfer the whole zone now (AXFR)'
complete -c zonesync -n "__fish_zonesync_using_subcommand help; and __fish_seen_subcommand_from serve" -f -a "notify" -d 'Send NOTIFY for the zone\'s current serial to its secondaries'
complete -c zonesync -n "__fish_zonesync_using_subcommand help; and __fish_seen_subcommand_from serve" -f -a "reload" -d 'Re-read the config (zones added, removed, changed; keys) and every zone file'
complete -c zonesync -n "__fish_zonesync_using_subcommand help; and __fish_seen_subcommand_from serve" -f -a "bulk-refresh" -d 'Super slave: refresh every zone of the super masters\' catalogs now'
