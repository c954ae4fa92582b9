"""The shape of the demo state, declared as data: agencies, programs, teams and how each behaves.

propensity: the mean chance a participant attends a session offered to them (some teams sit far
above the 50% line, some far below); wait: mean days from referral to start; dropout: share who leave early.
"""

AGENCIES = [
    ("NCMH", "Northside Community Mental Health Center", "Community mental health center", "MDY"),
    ("RVACT", "River Valley ACT Services", "ACT provider", None),
    ("LSH", "Lakeshore Hospital Outpatient Services", "Hospital", "DMY"),
    ("PCS", "Prairie Counseling Services", "Community mental health center", "MDY"),
]

# (agency code, program name, setting, engagement target, [(team name, format, propensity, wait, dropout)])
PROGRAMS = [
    ("NCMH", "Outpatient IMR groups", "Outpatient", 0.5, [
        ("Monday evening group", "group", 0.82, 14, 0.15),
        ("Wednesday morning group", "group", 0.74, 21, 0.20),
        ("Friday recovery group", "group", 0.58, 30, 0.30),
    ]),
    ("NCMH", "Young adult IMR", "Outpatient", 0.5, [
        ("Young adult group", "group", 0.45, 35, 0.40),
        ("Young adult caseload", "individual", 0.66, 10, 0.25),
    ]),
    ("RVACT", "IMR on ACT team North", "ACT team", 0.5, [
        ("ACT North caseload A", "individual", 0.71, 7, 0.15),
        ("ACT North caseload B", "individual", 0.52, 7, 0.25),
        ("ACT North peer group", "group", 0.30, 20, 0.45),
    ]),
    ("RVACT", "IMR on ACT team South", "ACT team", 0.5, [
        ("ACT South caseload", "individual", 0.25, 12, 0.50),
        ("ACT South group", "group", 0.22, 88, 0.50),  # the long wait seen in the Danish trial
    ]),
    ("LSH", "Hospital step-down IMR", "Hospital outpatient", 0.6, [
        ("Step-down group 1", "group", 0.86, 5, 0.10),
        ("Step-down group 2", "group", 0.79, 9, 0.15),
        ("Step-down individual", "individual", 0.62, 14, 0.20),
    ]),
    ("LSH", "Dual diagnosis IMR", "Outpatient", 0.5, [
        ("Dual diagnosis group", "group", 0.40, 60, 0.45),
        ("Dual diagnosis caseload", "individual", 0.48, 45, 0.35),
    ]),
    ("PCS", "Rural IMR groups", "Outpatient", 0.5, [
        ("Town centre group", "group", 0.64, 25, 0.25),
        ("Valley clinic group", "group", 0.35, 70, 0.40),
        ("Telehealth caseload", "individual", 0.57, 15, 0.30),
    ]),
    ("PCS", "Supported housing IMR", "Residential", 0.5, [
        ("Housing group East", "group", 0.69, 12, 0.20),
        ("Housing group West", "group", 0.51, 18, 0.30),
    ]),
    ("PCS", "Peer-led IMR", "Outpatient", 0.5, [
        ("Peer group Tuesday", "group", 0.77, 10, 0.15),
        ("Peer group Thursday", "group", 0.60, 20, 0.25),
    ]),
]

PRACTITIONERS = {
    "NCMH": ["A. Rivera", "B. Chen", "C. Okafor"],
    "RVACT": ["D. Novak", "E. Haddad"],
    "LSH": ["F. Lindqvist", "G. Mensah", "H. Patel"],
    "PCS": ["I. Duarte", "J. Kowalski"],
}

# Sessions per module as a program walks the curriculum (about 47 a year, weekly).
SESSIONS_PER_MODULE = {1: 3, 2: 4, 3: 4, 4: 4, 5: 5, 6: 4, 7: 5, 8: 5, 9: 6, 10: 3, 11: 4}

PARTICIPANTS_PER_TEAM = {"group": 22, "individual": 12}
END_REASONS = ["Dropped out", "Moved away", "Hospitalised", "Declined further sessions"]

DEMO_PASSWORD = "imr-demo-2026"  # passes auth.passwords' policy (tested); demo-data refuses in production
# (email, role, agency code or None)
DEMO_ACCOUNTS = [
    ("admin@demo.example", "admin", None),
    ("trainer@demo.example", "trainer", None),
    ("manager@ncmh.demo.example", "manager", "NCMH"),
    ("clerk@ncmh.demo.example", "clerk", "NCMH"),
    ("manager@rvact.demo.example", "manager", "RVACT"),
]
