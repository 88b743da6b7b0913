"""Built-in word lists for the minimisation check: common UK forenames and surnames.

Deliberately small and conservative. Forenames that are also months, days or well-known places
(April, June, Skye, Arran, Chelsea) are left out; forenames that are also ordinary English words
(Will, Grace, Mark) are listed in ``AMBIGUOUS_FORENAMES`` too, and are only flagged where the
context says "name" (mid-sentence, after a title, before a surname). Surnames that are also
Scottish towns (Hamilton, Stirling, Livingston, Irvine) are left out.
"""

from __future__ import annotations

FORENAMES: tuple[str, ...] = (
    # girls' and women's names
    "Abigail", "Agnes", "Aileen", "Aimee", "Ailsa", "Aisha", "Alexandra", "Alice", "Alison",
    "Amber", "Amelia", "Amelie", "Amina", "Amy", "Angela", "Anika", "Ann", "Anna", "Anne",
    "Annie", "Aria", "Ava", "Barbara", "Beth", "Bethany", "Brooke", "Caitlin", "Carly", "Carol",
    "Catherine", "Catriona", "Charlotte", "Chloe", "Christine", "Claire", "Courtney", "Daisy",
    "Danielle", "Dawn", "Deborah", "Demi", "Denise", "Diane", "Donna", "Eilidh", "Eileen",
    "Elaine", "Elizabeth", "Ella", "Ellie", "Emily", "Emma", "Erin", "Esme", "Eva", "Evie",
    "Faith", "Fatima", "Fiona", "Freya", "Gemma", "Georgia", "Gillian", "Grace", "Hannah",
    "Harper", "Hayley", "Heather", "Helen", "Holly", "Hope", "Irene", "Isabel", "Isabella",
    "Isla", "Isobel", "Ivy", "Jacqueline", "Jade", "Jane", "Janet", "Jasmine", "Jean",
    "Jennifer", "Jessica", "Joan", "Joanne", "Jodie", "Joy", "Julia", "Julie", "Karen", "Katie",
    "Kayla", "Kayleigh", "Kelly", "Kerry", "Kimberley", "Kirsten", "Kirsty", "Laura", "Lauren",
    "Layla", "Leah", "Leanne", "Lily", "Linda", "Lisa", "Lorraine", "Louise", "Lucy", "Lynn",
    "Lynsey", "Maisie", "Maja", "Margaret", "Mary", "Maryam", "Matilda", "Maureen", "Megan",
    "Melissa", "Mhairi", "Mia", "Michelle", "Millie", "Moira", "Morag", "Nadia", "Natalia",
    "Natalie", "Niamh", "Nicola", "Oliwia", "Olivia", "Orla", "Paige", "Pamela", "Patricia",
    "Phoebe", "Poppy", "Priya", "Rachel", "Rebecca", "Rhiannon", "Rhona", "Robyn", "Rose",
    "Rosie", "Ruby", "Samantha", "Sandra", "Sarah", "Scarlett", "Shannon", "Sharon", "Sheila",
    "Shona", "Sian", "Sofia", "Sophie", "Stacey", "Stephanie", "Susan", "Tracey", "Tracy",
    "Victoria", "Wendy", "Wiktoria", "Yvonne", "Zainab", "Zara", "Zuzanna",
    # boys' and men's names
    "Aaron", "Adam", "Ahmed", "Aiden", "Alan", "Alasdair", "Alexander", "Alfie", "Ali",
    "Alistair", "Allan", "Amir", "Andrew", "Angus", "Anthony", "Archie", "Arjun", "Arthur",
    "Barry", "Ben", "Benjamin", "Bilal", "Billy", "Blair", "Brian", "Brodie", "Callum", "Calum",
    "Cameron", "Charlie", "Christopher", "Colin", "Connor", "Conor", "Craig", "Daniel", "Danny",
    "Darren", "David", "Dawid", "Dean", "Declan", "Derek", "Douglas", "Duncan", "Dylan",
    "Edward", "Elijah", "Ethan", "Euan", "Ewan", "Fergus", "Filip", "Finlay", "Fraser",
    "Freddie", "Gary", "Gavin", "George", "Gordon", "Graham", "Grant", "Gregor", "Hamish",
    "Harry", "Harvey", "Hassan", "Henry", "Hugh", "Hussain", "Iain", "Ian", "Ibrahim", "Imran",
    "Innes", "Isaac", "Jack", "Jacob", "Jakub", "James", "Jamie", "Jason", "Jayden", "Jim",
    "Jimmy", "Joe", "John", "Johnny", "Jonathan", "Jordan", "Joseph", "Josh", "Joshua", "Jude",
    "Kacper", "Kai", "Keith", "Kenneth", "Kenny", "Kevin", "Kieran", "Kyle", "Lachlan", "Lee",
    "Leo", "Leon", "Lewis", "Liam", "Logan", "Louis", "Luca", "Lucas", "Luke", "Malcolm", "Marc",
    "Mark", "Martin", "Mason", "Mateusz", "Matthew", "Max", "Michael", "Mohammed", "Muhammad",
    "Nathan", "Neil", "Niall", "Nicholas", "Noah", "Norman", "Oliver", "Omar", "Oscar", "Owen",
    "Patrick", "Paul", "Peter", "Philip", "Raymond", "Reuben", "Rhys", "Richard", "Robbie",
    "Robert", "Rohan", "Ronald", "Rory", "Ross", "Rowan", "Ruaridh", "Ryan", "Sam", "Samuel",
    "Scott", "Sean", "Shaun", "Simon", "Stephen", "Steven", "Stewart", "Stuart", "Szymon",
    "Tariq", "Theo", "Thomas", "Tom", "Tommy", "Tony", "Tyler", "Walter", "Wayne", "Will",
    "William", "Willie", "Yusuf", "Zachary",
)

#: Forenames that are also ordinary words or places: flagged only mid-sentence, after a title
#: or before a surname, never on their own at the start of a sentence.
AMBIGUOUS_FORENAMES: tuple[str, ...] = (
    "Amber", "Angus", "Daisy", "Dawn", "Dean", "Faith", "Grace", "Grant", "Harper", "Heather",
    "Holly", "Hope", "Ivy", "Jade", "Jasmine", "Joy", "Lewis", "Mark", "Mason", "Max", "Poppy",
    "Rose", "Ross", "Rowan", "Ruby", "Victoria", "Will",
)

SURNAMES: tuple[str, ...] = (
    "Ahmed", "Akhtar", "Ali", "Allan", "Anderson", "Armstrong", "Baird", "Baker", "Begum",
    "Bell", "Black", "Boyle", "Brown", "Buchanan", "Burns", "Byrne", "Cameron", "Campbell",
    "Christie", "Clark", "Clarke", "Connolly", "Cunningham", "Davidson", "Davies", "Devlin",
    "Dickson", "Docherty", "Doherty", "Donnelly", "Duffy", "Duncan", "Edwards", "Evans",
    "Ferguson", "Fraser", "Gallacher", "Gallagher", "Gibson", "Gordon", "Graham", "Grant",
    "Gray", "Green", "Grey", "Hall", "Harris", "Harrison", "Hay", "Henderson", "Higgins", "Hill",
    "Hogg", "Hughes", "Hunter", "Hussain", "Iqbal", "Jackson", "Jamieson", "Johnson",
    "Johnston", "Johnstone", "Jones", "Kane", "Kaur", "Kelly", "Kennedy", "Kerr", "Khan", "King",
    "Kowalski", "Kowalska", "Lawson", "Lewis", "MacDonald", "MacGregor", "Mackay", "Mackenzie",
    "MacLean", "MacLeod", "Malik", "Marshall", "Martin", "McCann", "McCarthy", "McDonald",
    "McGowan", "McGregor", "McGuire", "McIntyre", "McKay", "McKenna", "McKenzie", "McLean",
    "McLeod", "McMillan", "Millar", "Miller", "Milne", "Mitchell", "Moore", "Morgan", "Morrison",
    "Munro", "Murphy", "Murray", "Nicol", "Nowak", "O'Brien", "O'Donnell", "O'Neill", "Ogilvie",
    "Patel", "Paterson", "Quinn", "Rae", "Rankin", "Reid", "Rennie", "Ritchie", "Roberts",
    "Robertson", "Robinson", "Robson", "Ross", "Russell", "Scott", "Shah", "Shaw", "Shearer",
    "Simpson", "Sinclair", "Singh", "Smith", "Stevenson", "Stewart", "Sutherland", "Sweeney",
    "Tait", "Taylor", "Thompson", "Thomson", "Turner", "Walker", "Wallace", "Walsh", "Ward",
    "Watson", "Watt", "Weir", "White", "Whyte", "Williams", "Wilson", "Wisniewski", "Wood",
    "Wright", "Wylie", "Young",
)
