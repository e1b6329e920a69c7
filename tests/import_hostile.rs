//! An attacker's files, and a careless spreadsheet's: each is refused by line with a reason that
//! names the column, or read as the person meant it, and a refusal changes nothing.
//! In-process through `import::run_to`, against one temporary store per test.

use chrono::NaiveDate;
use kehu::cli::Kind;
use kehu::cli::import::{self, Mode, Options};
use kehu::store::{SledStore, Store};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 30).unwrap()
}

/// A store in a temporary directory.
struct Shop {
    dir: tempfile::TempDir,
    store: SledStore,
}

/// What one import said.
struct Outcome {
    code: i32,
    out: String,
    err: String,
}

impl Shop {
    fn new() -> Shop {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(&dir.path().join("db")).expect("open");
        Shop { dir, store }
    }

    fn options(kind: Kind) -> Options {
        Options {
            kind,
            create_missing: true,
            dry_run: false,
            mode: Mode::Upsert,
            today: today(),
            encoding: None,
            rules: Default::default(),
            branch: String::new(),
        }
    }

    /// Imports `bytes` as a file of `kind` (creating missing customers).
    fn import(&self, kind: Kind, bytes: impl AsRef<[u8]>) -> Outcome {
        self.import_with(Shop::options(kind), bytes)
    }

    fn import_with(&self, opts: Options, bytes: impl AsRef<[u8]>) -> Outcome {
        let path = self.dir.path().join("input.csv");
        std::fs::write(&path, bytes).unwrap();
        let before = self.snapshot();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = match import::run_to(&self.store, &path, &opts, &mut out, &mut err) {
            Ok(code) => code,
            Err(e) => {
                err.extend_from_slice(format!("{e:#}").as_bytes());
                1
            }
        };
        let outcome = Outcome {
            code,
            out: String::from_utf8_lossy(&out).into_owned(),
            err: String::from_utf8_lossy(&err).into_owned(),
        };
        if code != 0 {
            assert_eq!(self.snapshot(), before, "a refused import changed the database: {}", outcome.err);
        }
        outcome
    }

    fn histories(&self) -> Vec<kehu::domain::History> {
        kehu::tui::all_histories(&self.store).expect("histories")
    }

    /// Everything a refused import must leave alone.
    fn snapshot(&self) -> String {
        let hs = kehu::tui::all_histories(&self.store).expect("histories");
        format!(
            "{} {hs:?} {:?}",
            self.store.customer_count().unwrap(),
            self.store.audit_entries(None).unwrap()
        )
    }
}

impl Outcome {
    /// Asserts a refusal that says `what`.
    fn refused(&self, what: &str) {
        assert_eq!(self.code, 1, "not refused: {}{}", self.out, self.err);
        assert!(self.err.contains(what), "missing {what:?} in:\n{}", self.err);
        assert!(self.err.contains("nothing was imported"), "{}", self.err);
    }

    fn imported(&self) -> &str {
        assert_eq!(self.code, 0, "refused: {}", self.err);
        &self.out
    }
}

#[test]
fn an_unclosed_quote_is_refused_at_the_line_it_opens() {
    let shop = Shop::new();
    let text = "ref,date,amount,category\nM0000009,2024-01-02,10,\"toys\nM1,2024-01-03,11,books\n\
                M2,2024-01-04,12,books\nM3,2024-01-05,13,books\n";
    shop.import(Kind::Purchases, text).refused("line 2: a quote opens before \"toys\" and never closes");
    // A quote opened in a later cell of a multi-line record is named by its own line.
    let text = "ref,name,notes,city\nC1,Li,\"two\nlines\",\"Hang\nC2,Wang,,Ningbo\n";
    shop.import(Kind::Customers, text).refused("line 3: a quote opens before \"Hang\"");
    // Closed quotes, doubled quotes and quotes inside a cell are fine.
    let text = "ref,name,notes\nC1,Li,\"say \"\"hi\"\"\"\nC2,Wang,6\" tall\n";
    assert!(shop.import(Kind::Customers, text).imported().contains("2 customers created"));
}

#[test]
fn a_comma_in_an_amount_is_never_dropped() {
    let shop = Shop::new();
    let bad =
        ["\"12,34\"", "\",,1,,,2,,\"", "\"1,,234\"", "\"1,23,456\"", "\"12,3456\"", "\",123\"", "\"1,234,\""];
    let mut text = String::from("ref,date,amount\n");
    for b in bad {
        text += &format!("A,2024-01-02,{b}\n");
    }
    let out = shop.import(Kind::Purchases, &text);
    out.refused("line 2: amount \"12,34\"");
    for line in 2..2 + bad.len() {
        assert!(out.err.contains(&format!("line {line}: amount")), "line {line} not refused:\n{}", out.err);
    }
    assert!(out.err.contains("1,234.50"), "the grammar is not shown: {}", out.err);
    let good =
        "ref,date,amount\nA,2024-01-02,\"1,234.50\"\nA,2024-01-03,\"12,345,678\"\nA,2024-01-04,1234.5\n";
    shop.import(Kind::Purchases, good).imported();
    let h = kehu::tui::all_histories(&shop.store).unwrap();
    let amounts: Vec<String> = h[0].purchases.iter().map(|p| p.amount.to_string()).collect();
    assert_eq!(amounts, ["1234.50", "12345678.00", "1234.50"]);
}

#[test]
fn a_column_named_twice_is_refused() {
    let shop = Shop::new();
    for header in ["ref,date,amount,amount", "ref,date,amount,AMOUNT", "ref,date,amount, Amount "] {
        let text = format!("{header}\nA,2024-01-02,1,2\n");
        let out = shop.import(Kind::Purchases, &text);
        out.refused("line 1: column \"amount\" appears twice");
        assert!(!out.err.contains("line 2"), "{}", out.err);
    }
    let out = shop.import(Kind::Customers, "ref,name,Custom.Size,custom.size\nA,Li,L,M\n");
    out.refused("line 1: column \"custom.size\" appears twice");
}

#[test]
fn a_western_file_is_not_read_as_chinese() {
    let shop = Shop::new();
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode("ref,name,city\nW1,Müller,München\n");
    let out = shop.import(Kind::Customers, &cp1252);
    out.refused("line 2: not UTF-8");
    assert!(out.err.contains("Müller") && out.err.contains("--encoding"), "{}", out.err);
    assert!(!out.out.contains("imported"), "{}", out.out);
    let latin = encoding_rs::Encoding::for_label(b"windows-1252");
    shop.import_with(Options { encoding: latin, ..Shop::options(Kind::Customers) }, &cp1252).imported();
    let names: Vec<String> = shop.histories().iter().map(|h| h.customer.name.clone()).collect();
    assert_eq!(names, ["Müller"]);
    // Chinese from Excel on Chinese Windows still reads without being told.
    let (gbk, _, _) = encoding_rs::GB18030.encode("ref,name,city\nG1,王秀英,杭州\n");
    shop.import(Kind::Customers, &gbk).imported();
}

#[test]
fn chinese_excel_headers_and_dates_are_read() {
    let shop = Shop::new();
    let customers = "会员号,姓名,手机,邮箱,生日,省份,城市,推荐人,标签,备注,建档日期,自定义.尺码\n\
                     M1,王秀英,13812345678,wxy@example.com,1990/01/01,浙江,杭州,,vip,老客,2020/3/5,L\n\
                     M2,李娜,13912345678,,1990/1/1,广东,深圳,M1,,,,\n";
    assert!(shop.import(Kind::Customers, customers).imported().contains("2 customers created"));
    let purchases =
        "会员号,日期,金额,数量,品类,渠道\nM1,2024/1/2,12.50,2,奶粉,store\nM2,2024/01/15,3,1,零食,online\n";
    assert!(shop.import(Kind::Purchases, purchases).imported().contains("2 purchases"));
    let interactions = "会员号,日期,类型,内容,评分,回访日期,操作员\nM1,2024/2/1,call,问候,5,2024/7/1,李娜\n";
    assert!(shop.import(Kind::Interactions, interactions).imported().contains("1 interactions"));
    let hs = shop.histories();
    let wang = &hs[0].customer;
    assert_eq!((wang.name.as_str(), wang.city.as_str()), ("王秀英", "杭州"));
    assert_eq!(wang.birthday, NaiveDate::from_ymd_opt(1990, 1, 1));
    assert_eq!(hs[1].customer.birthday, NaiveDate::from_ymd_opt(1990, 1, 1));
    assert_eq!(wang.created.date_naive(), NaiveDate::from_ymd_opt(2020, 3, 5).unwrap());
    assert_eq!(wang.custom.get("尺码").map(String::as_str), Some("L"));
    assert_eq!(hs[1].customer.referrer, Some(wang.id));
    assert_eq!(hs[0].purchases[0].date, NaiveDate::from_ymd_opt(2024, 1, 2).unwrap());
    assert_eq!(hs[0].interactions[0].follow_up, NaiveDate::from_ymd_opt(2024, 7, 1));
    // A Chinese name and its English column together are one column named twice.
    shop.import(Kind::Customers, "姓名,name\n王,Wang\n").refused("line 1: column \"name\" appears twice");
}

#[test]
fn chinese_values_are_read_as_the_interface_names_them() {
    let shop = Shop::new();
    let customers =
        "会员号,姓名,性别,地区类型,来源,联系方式\nM1,王秀英,女,城市,转介绍,微信\nM2,李雷,男,,门店,\n";
    assert!(shop.import(Kind::Customers, customers).imported().contains("2 customers created"));
    let purchases = "会员号,日期,金额,渠道\nM1,2024/1/2,12.50,门店\nM2,2024/1/3,8,网店\n";
    assert!(shop.import(Kind::Purchases, purchases).imported().contains("2 purchases"));
    let interactions = "会员号,日期,类型,内容,结果,投诉类型,严重程度\nM1,2024/2/1,电话,问候,未接通,,\nM2,2024/2/2,投诉,漏发,,服务,重大\n";
    assert!(shop.import(Kind::Interactions, interactions).imported().contains("2 interactions"));
    let hs = shop.histories();
    let (wang, li) = (&hs[0], &hs[1]);
    assert_eq!(wang.customer.gender.key(), "female");
    assert_eq!(li.customer.gender.key(), "male");
    assert_eq!(
        (wang.customer.area.key(), wang.customer.source.key(), wang.customer.contact.key()),
        ("urban", "referral", "wechat")
    );
    assert_eq!((wang.purchases[0].channel.key(), li.purchases[0].channel.key()), ("store", "online"));
    assert_eq!((wang.interactions[0].kind.key(), wang.interactions[0].outcome.key()), ("call", "no_answer"));
    let complaint = li.interactions[0].complaint.as_ref().expect("a complaint");
    assert_eq!((complaint.kind.key(), complaint.severity.key()), ("service", "major"));
    // A word that names nothing still says what the column takes.
    shop.import(Kind::Customers, "姓名,性别\n王,女士\n").refused("性别 (gender) \"女士\" is not one of");
}

#[test]
fn a_value_not_in_a_list_names_its_column_and_the_list() {
    let shop = Shop::new();
    let text = "ref,date,kind,severity,outcome\nA,2024-01-02,complaint,critical,\nA,2024-01-02,phonecall,,\n\
                A,2024-01-02,call,,maybe\n";
    let mut said = Vec::new();
    let out = shop.import(Kind::Interactions, text);
    out.refused("line 2: severity \"critical\" is not one of: minor, major");
    out.refused(
        "line 3: kind \"phonecall\" is not one of: call, sms, email, visit, event, feedback, complaint, note",
    );
    out.refused("line 4: outcome \"maybe\" is not one of: reached, no_answer");
    said.push(out.err);
    let out = shop.import(
        Kind::Customers,
        "名字,性别,联系方式,地区类型,来源\nLi,f,,,\nLi,,fax,,\nLi,,,city,\nLi,,,,tv\n",
    );
    for column in [
        "性别 (gender) \"f\"",
        "联系方式 (contact) \"fax\"",
        "地区类型 (area_type) \"city\"",
        "来源 (source) \"tv\"",
    ] {
        out.refused(&format!("{column} is not one of: "));
    }
    said.push(out.err);
    let out = shop.import(Kind::Purchases, "ref,date,amount,channel\nA,2024-01-02,1,shop\n");
    out.refused("line 2: channel \"shop\" is not one of: store, online, phone, other");
    said.push(out.err);
    for e in &said {
        for internal in [
            "Severity",
            "InteractionKind",
            "Channel",
            "Gender",
            "ContactPref",
            "AreaType",
            "Source",
            "Outcome",
        ] {
            assert!(!e.contains(internal), "{internal} in {e}");
        }
    }
}

#[test]
fn rows_within_the_row_limit_are_named_by_line_and_field() {
    let shop = Shop::new();
    // Ten rows of 200 kB each: every row is under the row limit, together over a record's.
    let long = "x".repeat(200_000);
    let mut text = String::from("ref,date,amount,category\n");
    for day in 1..=10 {
        text += &format!("A,2024-01-{day:02},1,{long}\n");
    }
    let out = shop.import(Kind::Purchases, &text);
    for line in 2..=11 {
        out.refused(&format!("line {line}: category is too long (200000 characters, at most 100)"));
    }
    // 50,000 fields of the shop's own: a customer the console could not show or save.
    let header: Vec<String> = (0..50_000).map(|i| format!("custom.f{i}")).collect();
    let text = format!("ref,name,{}\nC1,Li,{}\n", header.join(","), vec!["v"; 50_000].join(","));
    let out = shop.import(Kind::Customers, &text);
    out.refused("line 2: custom fields are too long (");
    assert!(!out.err.contains('#'), "names a customer id: {}", out.err);
    // The fields a form limits are limited here too, so that every imported card can be saved.
    let name = "长".repeat(101);
    let text = format!(
        "ref,name,city,province,tags\nC1,Li,{name},,\nC2,Li,,{name},\nC3,Li,,,{}\n",
        "t".repeat(4001)
    );
    let out = shop.import(Kind::Customers, &text);
    out.refused("line 2: city is too long");
    out.refused("line 3: province is too long");
    out.refused("line 4: tags is too long");
    let text = format!("ref,date,kind,operator\nC1,2024-01-02,note,{name}\n");
    shop.import(Kind::Interactions, &text).refused("line 2: operator is too long");
}

#[test]
fn a_customers_longest_records_are_stored_in_chunks_that_fit() {
    let shop = Shop::new();
    // 64 interactions at every field's limit, in 4-byte characters: together more than one
    // stored record takes (1 MiB), so the store must cut them into several chunks.
    let (text, operator) = ("😀".repeat(4_000), "😀".repeat(100));
    let mut file = String::from("ref,date,kind,text,operator\n");
    for i in 0..64 {
        file += &format!("A,2024-01-{:02},note,{text},{operator}\n", i % 28 + 1);
    }
    assert!(shop.import(Kind::Interactions, &file).imported().contains("64 interactions"));
    assert_eq!(shop.histories()[0].interactions.len(), 64);
}

#[test]
fn an_exports_ids_name_its_rows_and_nothing_else() {
    let shop = Shop::new();
    // Two rows of one id, and a referrer naming an id no row has: refused, never guessed.
    let text = "id,ref,name,phone,referrer\n5,,Wang,13812345678,\n5,,Li,13912345678,\n7,,Zhang,,#9\n";
    let out = shop.import(Kind::Customers, text);
    out.refused("line 3: id 5 is also on line 2");
    out.refused("line 4: referrer \"#9\" names no row's id in this file");
    // Different ids on one phone are different customers; `#id` names the row of that id.
    let text = "id,ref,name,phone,referrer\n5,,Wang,13812345678,\n6,,Li,13812345678,#5\n";
    assert!(shop.import(Kind::Customers, text).imported().contains("2 customers created"));
    let hs = shop.histories();
    assert_eq!(hs[1].customer.referrer, Some(hs[0].customer.id));
}

#[test]
fn a_semicolon_or_tab_header_sets_the_separator() {
    let shop = Shop::new();
    let out = shop.import(Kind::Customers, "ref;name;city\nS1;\"Li; Na\";Ningbo\n");
    assert!(out.imported().contains("1 customers created"), "{}", out.out);
    assert!(
        shop.import(Kind::Customers, "ref\tname\tcity\nS2\tWang\tHangzhou\n")
            .imported()
            .contains("1 customers")
    );
    let hs = shop.histories();
    assert_eq!((hs[0].customer.name.as_str(), hs[1].customer.city.as_str()), ("Li; Na", "Hangzhou"));
    // European Excel's decimal comma is refused by line, never read as a thousands separator.
    shop.import(Kind::Purchases, "ref;date;amount\nS1;2024-01-02;12,50\n")
        .refused("line 2: amount \"12,50\"");
    // A header with commas is read with commas, and a semicolon in a column's name is hinted at.
    let out = shop.import(Kind::Customers, "ref;name,city\nS3;Zhang,Ningbo\n");
    out.refused("line 1: unknown column(s) ref;name");
    assert!(out.err.contains("separated by ';'"), "{}", out.err);
}
