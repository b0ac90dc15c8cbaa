//! A failing timeline drawn as a Mermaid sequence diagram (code hosts render it).
//!
//! Tasks and channels are participants, in order of first appearance. Channel operations are
//! arrows: a send goes from the task to the channel, a receive from the channel to the task
//! (dashed when it only saw the channel closed), a close is a crossed arrow to the channel with
//! a note on it, `go` is an open arrow to the new task. A panic is a note over its task; other
//! model events are notes over their task; `blocked:` and `exit` lines are left out (the
//! verdict note at the end names what stayed blocked).

use super::Event;

/// Diagrams longer than this many events show only the last ones (the failure is at the end);
/// code hosts stop rendering very large diagrams.
pub const MAX_EVENTS: usize = 120;

/// The diagram of `timeline`, ending with a note that spans every participant and gives
/// `verdict`. Without the surrounding Markdown fence.
pub fn diagram(timeline: &[Event], verdict: &str) -> String {
    let mut d = Diagram::default();
    let skipped = timeline.len().saturating_sub(MAX_EVENTS);
    for e in &timeline[skipped..] {
        d.event(e);
    }
    let mut out = String::from("sequenceDiagram\n");
    for (i, name) in d.participants.iter().enumerate() {
        out += &format!("    participant p{i} as {}\n", escape(name));
    }
    if skipped > 0 && !d.participants.is_empty() {
        out +=
            &format!("    Note over p0: … {skipped} earlier events left out (see the timeline)\n");
    }
    for line in &d.lines {
        out += "    ";
        out += line;
        out += "\n";
    }
    if !d.participants.is_empty() {
        let last = d.participants.len() - 1;
        let span = if last == 0 {
            "p0".to_string()
        } else {
            format!("p0,p{last}")
        };
        out += &format!("    Note over {span}: {}\n", escape(verdict));
    }
    out
}

#[derive(Default)]
struct Diagram {
    participants: Vec<String>,
    lines: Vec<String>,
}

impl Diagram {
    fn id(&mut self, name: &str) -> String {
        let i = match self.participants.iter().position(|p| p == name) {
            Some(i) => i,
            None => {
                self.participants.push(name.to_string());
                self.participants.len() - 1
            }
        };
        format!("p{i}")
    }

    fn arrow(&mut self, from: &str, arrow: &str, to: &str, label: &str) {
        let (from, to) = (self.id(from), self.id(to));
        self.lines
            .push(format!("{from}{arrow}{to}: {}", escape(label)));
    }

    fn note(&mut self, over: &str, text: &str) {
        let over = self.id(over);
        self.lines
            .push(format!("Note over {over}: {}", escape(text)));
    }

    fn event(&mut self, e: &Event) {
        let task = e.task.as_str();
        let text = e.event.as_str();
        let at = format!("{} ", e.time);
        if task == "sim" || text == "exit" || text.starts_with("blocked:") {
            return;
        }
        if let Some(child) = text.strip_prefix("go ") {
            self.arrow(task, "-)", child, &format!("{at}go"));
        } else if let Some(rest) = text.strip_prefix("select: recv ") {
            match rest.strip_suffix(" (closed)") {
                Some(chan) => self.arrow(chan, "-->>", task, &format!("{at}closed (select)")),
                None => self.arrow(rest, "->>", task, &format!("{at}recv (select)")),
            }
        } else if let Some(chan) = text.strip_prefix("select: send ") {
            self.arrow(task, "->>", chan, &format!("{at}send (select)"));
        } else if let Some(rest) = text.strip_prefix("recv on ") {
            match rest.strip_suffix(": closed") {
                Some(chan) => self.arrow(chan, "-->>", task, &format!("{at}closed")),
                None => self.arrow(rest, "->>", task, &format!("{at}recv")),
            }
        } else if let Some(rest) = text.strip_prefix("send on ") {
            match rest.strip_suffix(": full, default taken") {
                Some(chan) => self.arrow(task, "--x", chan, &format!("{at}full: default taken")),
                None => self.arrow(task, "->>", rest, &format!("{at}send")),
            }
        } else if let Some((by, chan)) = close_of(text) {
            let label = match by {
                Some(by) => format!("{at}close ({by})"),
                None => format!("{at}close"),
            };
            self.arrow(task, "-x", chan, &label);
            self.note(chan, "closed");
        } else if let Some(ctx) = text.strip_prefix("cancel ") {
            self.arrow(task, "-x", ctx, &format!("{at}cancel"));
        } else {
            // Panics (`panic: …`) and the model's own events.
            self.note(task, &format!("{at}{text}"));
        }
    }
}

/// `close X` or `by: close X` (a close done on behalf of a Go function).
fn close_of(text: &str) -> Option<(Option<&str>, &str)> {
    if let Some(chan) = text.strip_prefix("close ") {
        return (!chan.contains(' ')).then_some((None, chan));
    }
    let (by, rest) = text.split_once(": close ")?;
    (!by.contains(' ') && !rest.contains(' ')).then_some((Some(by), rest))
}

/// Characters Mermaid reads as syntax, as its entity codes: `;` ends a statement, `<`/`>` are
/// HTML, `%%` starts a comment. (`#` stays: an entity needs `#name;`, and no `;` is left.)
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            ';' => out += "#59;",
            '<' => out += "#lt;",
            '>' => out += "#gt;",
            '%' => out += "#37;",
            '"' => out += "#quot;",
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(task: &str, event: &str) -> Event {
        Event {
            step: 1,
            time: "1s".to_string(),
            task: task.to_string(),
            event: event.to_string(),
        }
    }

    #[test]
    fn channel_operations_are_arrows() {
        let d = diagram(
            &[
                ev("main", "go hub.run"),
                ev("conn#1.handler", "send on unregister"),
                ev("hub.run", "select: recv register"),
                ev("hub.run", "select: recv hub.ctx.done (closed)"),
                ev("hub.run", "hub.unregisterClient: close client#1.send"),
                ev("hub.run", "blocked: select { recv register }"),
                ev("hub.run", "panic: close of closed channel"),
                ev("sim", "verdict: panic"),
            ],
            "panic in hub.run: close of closed channel",
        );
        assert_eq!(
            d,
            "sequenceDiagram
    participant p0 as main
    participant p1 as hub.run
    participant p2 as conn#1.handler
    participant p3 as unregister
    participant p4 as register
    participant p5 as hub.ctx.done
    participant p6 as client#1.send
    p0-)p1: 1s go
    p2->>p3: 1s send
    p4->>p1: 1s recv (select)
    p5-->>p1: 1s closed (select)
    p1-xp6: 1s close (hub.unregisterClient)
    Note over p6: closed
    Note over p1: 1s panic: close of closed channel
    Note over p0,p6: panic in hub.run: close of closed channel
"
        );
    }

    #[test]
    fn long_timelines_keep_the_end() {
        let events: Vec<Event> = (0..MAX_EVENTS + 5)
            .map(|i| ev("main", &format!("event {i}")))
            .collect();
        let d = diagram(&events, "pass");
        assert!(d.contains("5 earlier events left out"));
        assert!(d.contains(&format!("event {}", MAX_EVENTS + 4)));
        assert!(!d.contains("event 4:"));
    }
}
