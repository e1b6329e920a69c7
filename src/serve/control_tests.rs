//! The control socket's framing: requests and replies round trip, and what is too large,
//! malformed or cut short is refused with words.

use super::*;
use std::io::Cursor;

fn request() -> Request {
    Request {
        argv: vec!["kehu".into(), "show".into(), "王丽".into()],
        cwd: "/home/ann".into(),
        operator: "ann".into(),
        lang: "zh".into(),
        terminal: false,
        env: [("KEHU_TODAY".to_string(), "2024-06-30".to_string())].into(),
    }
}

#[test]
fn a_request_round_trips() {
    let mut bytes = Vec::new();
    write_request(&mut bytes, &request()).unwrap();
    assert_eq!(u32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize, bytes.len() - 4);
    assert_eq!(read_request(&mut Cursor::new(bytes)), Ok(request()));
}

#[test]
fn a_request_too_large_malformed_or_cut_short_is_refused() {
    // The length alone refuses it: nothing more is read or allocated.
    let huge = ((MAX_REQUEST + 1) as u32).to_be_bytes();
    let why = read_request(&mut Cursor::new(huge.to_vec())).unwrap_err();
    assert!(why.contains("larger than 64 KiB"), "{why}");
    // An HTTP request's first bytes read as a length of about a gigabyte.
    let why = read_request(&mut Cursor::new(b"GET / HTTP/1.1\r\n\r\n".to_vec())).unwrap_err();
    assert!(why.contains("larger than"), "{why}");

    let mut garbage = 7u32.to_be_bytes().to_vec();
    garbage.extend_from_slice(b"\xff\x00nope!");
    let why = read_request(&mut Cursor::new(garbage)).unwrap_err();
    assert!(why.starts_with("malformed request"), "{why}");

    let mut wrong = Vec::new();
    let body = br#"{"argv": "kehu show"}"#;
    wrong.extend_from_slice(&(body.len() as u32).to_be_bytes());
    wrong.extend_from_slice(body);
    assert!(read_request(&mut Cursor::new(wrong)).unwrap_err().starts_with("malformed request"));

    let mut short = Vec::new();
    write_request(&mut short, &request()).unwrap();
    short.truncate(short.len() - 3);
    assert_eq!(read_request(&mut Cursor::new(short)).unwrap_err(), "the request ended early");
    assert_eq!(read_request(&mut Cursor::new(vec![0, 0])).unwrap_err(), "the request ended early");
}

#[test]
fn a_client_refuses_to_send_a_request_over_the_limit() {
    let mut req = request();
    req.argv.push("x".repeat(MAX_REQUEST));
    let e = write_request(&mut Vec::new(), &req).unwrap_err();
    assert!(e.to_string().contains("at most 64 KiB"), "{e}");
}

/// Every frame of `bytes`.
fn frames(bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut r = Cursor::new(bytes);
    std::iter::from_fn(|| read_frame(&mut r).unwrap()).collect()
}

#[test]
fn output_is_sent_in_chunks_errors_at_once_and_in_the_order_written() {
    let wire = RefCell::new(Wire::new(Vec::new()));
    OutPipe(&wire).write_all(b"id,name\n").unwrap();
    assert!(wire.borrow().conn.is_empty(), "a little output waits for more");
    // Written in pieces, as `writeln!` does: one frame for the line.
    let what = "a note";
    writeln!(ErrPipe(&wire), "kehu: {what}").unwrap();
    OutPipe(&wire).write_all(&vec![b'x'; CHUNK + 10]).unwrap();
    let sent_before_finish = wire.borrow().conn.len();
    assert!(sent_before_finish > CHUNK, "a full chunk leaves at once");
    wire.borrow_mut().finish(3).unwrap();
    let got = frames(&wire.into_inner().conn);
    let tags: Vec<u8> = got.iter().map(|f| f.0).collect();
    assert_eq!(tags, [OUT, ERR, OUT, EXIT]);
    assert_eq!(got[0].1, b"id,name\n");
    assert_eq!(got[1].1, b"kehu: a note\n");
    assert_eq!(got[2].1.len(), CHUNK + 10);
    assert_eq!(got[3].1, 3i32.to_be_bytes());
}

#[test]
fn large_writes_are_split_into_frames_within_the_limit() {
    let wire = RefCell::new(Wire::new(Vec::new()));
    ErrPipe(&wire).write_all(&vec![b'e'; MAX_FRAME * 2 + 1]).unwrap();
    OutPipe(&wire).write_all(&vec![b'o'; MAX_FRAME * 3]).unwrap();
    wire.borrow_mut().finish(0).unwrap();
    let got = frames(&wire.into_inner().conn);
    assert!(got.iter().all(|(_, b)| b.len() <= MAX_FRAME));
    let total = |tag| got.iter().filter(|f| f.0 == tag).map(|f| f.1.len()).sum::<usize>();
    assert_eq!((total(ERR), total(OUT)), (MAX_FRAME * 2 + 1, MAX_FRAME * 3));
}

#[test]
fn a_frame_over_the_limit_is_an_error_not_an_allocation() {
    let mut bytes = vec![OUT];
    bytes.extend_from_slice(&u32::MAX.to_be_bytes());
    let e = read_frame(&mut Cursor::new(bytes)).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    // Cut inside a frame: an error, not the end of the reply.
    assert!(read_frame(&mut Cursor::new(vec![OUT, 0, 0])).is_err());
    assert!(read_frame(&mut Cursor::new(Vec::new())).unwrap().is_none());
}

/// What `call` makes of `reply` from a server: the result, stdout, stderr.
fn client_of(reply: Vec<u8>) -> (anyhow::Result<i32>, String, String) {
    let (client, mut server) = UnixStream::pair().unwrap();
    let answering = std::thread::spawn(move || {
        let req = read_request(&mut server);
        server.write_all(&reply).unwrap();
        req
    });
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let got = call(client, &request(), &mut out, &mut err);
    assert_eq!(answering.join().unwrap(), Ok(request()));
    (got, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

#[test]
fn a_client_copies_the_reply_and_exits_with_its_code() {
    let mut reply = Vec::new();
    write_frame(&mut reply, OUT, b"one\n").unwrap();
    write_frame(&mut reply, ERR, b"kehu: two\n").unwrap();
    write_frame(&mut reply, OUT, b"three\n").unwrap();
    write_frame(&mut reply, EXIT, &1i32.to_be_bytes()).unwrap();
    let (code, out, err) = client_of(reply);
    assert_eq!(code.unwrap(), 1);
    assert_eq!((out.as_str(), err.as_str()), ("one\nthree\n", "kehu: two\n"));
}

#[test]
fn a_client_says_when_the_server_refused_or_stopped_part_way() {
    let mut refused = Vec::new();
    write_frame(&mut refused, REFUSED, b"malformed request: \x1b[2J").unwrap();
    let e = client_of(refused).0.unwrap_err().to_string();
    assert!(e.contains("refused the request: malformed request"), "{e}");
    assert!(!e.contains('\x1b'), "the server's words are neutralised: {e:?}");

    let mut cut = Vec::new();
    write_frame(&mut cut, OUT, b"id,name\n").unwrap();
    let (got, out, _) = client_of(cut);
    assert!(got.unwrap_err().to_string().contains("stopped before the command finished"));
    assert_eq!(out, "id,name\n", "what came is kept");
}
