#![no_main]
//! DKIM verification of any message, against a key archive that answers
//! every selector with one real RSA key (Google's ARC key, from
//! `fixtures/real/mail/dkim-keys.txt`): no input may panic.

use libfuzzer_sys::fuzz_target;

const KEY: &str = "k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1Lztpxs7yUxQEsbDFhjMc9kZVZu5P/COYEUIX4B39IL4SXAbv4viIlT9E6F6iZmTh1go7+9WQLywwgwjXMJx/Dz0RgMoPeyp5NRy4l320DPYibNqVMWa5iQ2WiImQC0en1O9uhLLvzaSZJ03fvGmCo9jMo0GwKzLNe14xMgn/px2L5N/3IKlKX4bqUAJTUt8L993ZlWzvgMnSFSt8B+euSKSrtAiopdy4r1yO4eN5goBASrGW0eLQc1lYouNvCrcTQpos4/GEAqiGzpqueJLmBfOO4clNvVvpPkvQs2BHw9I9LmIjaMxTNGxkGBRaP3utDiKXXqu1K+LRzl0HCNSdQIDAQAB";

fuzz_target!(|message: &[u8]| {
    let _ = trove_dkim::verify(message, &|_selector: &str, _domain: &str| Some(KEY.to_owned()));
});
