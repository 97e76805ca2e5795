# R `survey`'s side of the peer comparison (benches/peers/run.py, issue 8): the pilot table
# of BENCHMARKS.md on the SYNTHETIC workload, end to end from the CSV file.
#
#   Rscript benches/peers/survey.R DATA.csv OUT.csv
#
# Install: apt-get install r-cran-survey (or install.packages("survey")); data.table is used
# to read the CSV when installed (r-cran-data.table), read.csv otherwise.
#
# The table: six indicators (insured; attends school within ages 6-17; unemployed within the
# labour force; informal within the employed; mean income; mean hours) by born_abroad, sex,
# age_group, disability, born_abroad x each of sex, age_group, disability, plus overall;
# svymean of the 0/1 variable (a share) or of the numeric variable, na.rm = TRUE (missing
# values are a domain, as R does), universes by subsetting the design, groups by svyby.
# Keep in step with benches/peers/pilot_table.rs and benches/peers/svy_table.py.
#
# Prints one line "TIMING total=<s> read=<s> estimate=<s> write=<s> rows=<n>"; total runs
# from opening the file to the table written (R's start-up, library loading and a tiny
# warm-up estimate excluded).
# Writes indicator,disaggregation,group,estimate,se,n (n empty: svyby does not report it).

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) {
  message("usage: Rscript survey.R DATA.csv OUT.csv")
  quit(status = 2)
}
if (!suppressPackageStartupMessages(requireNamespace("survey", quietly = TRUE))) {
  message("survey.R: the R package `survey` is not installed (apt-get install r-cran-survey)")
  quit(status = 3)
}
suppressPackageStartupMessages(library(survey))
data_file <- args[[1]]
out_file <- args[[2]]
if (!file.exists(data_file)) {
  message("survey.R: no such file: ", data_file)
  quit(status = 2)
}

columns <- c("stratum", "psu", "weight", "sex", "age", "age_group", "born_abroad",
             "disability", "in_labour_force", "unemployed", "employed", "informal",
             "insured", "attends_school", "income", "hours")

indicators <- list(
  list(id = "insured", var = "insured", universe = NULL),
  list(id = "attends_school", var = "attends_school",
       universe = function(d) d$age >= 6 & d$age <= 17),
  list(id = "unemployed", var = "unemployed", universe = function(d) d$in_labour_force == 1),
  list(id = "informal", var = "informal", universe = function(d) d$employed == 1),
  list(id = "income", var = "income", universe = NULL),
  list(id = "hours", var = "hours", universe = NULL)
)
disaggregations <- list(
  character(0), "born_abroad", "sex", "age_group", "disability",
  c("born_abroad", "sex"), c("born_abroad", "age_group"), c("born_abroad", "disability")
)

now <- function() proc.time()[["elapsed"]]
num <- function(x) ifelse(is.na(x), "", sprintf("%.17g", x))

# One tiny estimate before the clock starts (first-call costs belong with loading the
# package, not with the table).
local({
  w <- data.frame(s = c(1, 1, 2, 2), p = 1:4, w = c(1, 2, 1, 2), y = c(0, 1, 1, NA),
                  g = c(0, 1, 0, 1))
  wd <- svydesign(ids = ~p, strata = ~s, weights = ~w, data = w, nest = TRUE)
  invisible(svyby(~y, ~g, wd[w$g >= 0, ], svymean, na.rm = TRUE))
})

t0 <- now()
d <- tryCatch({
  if (requireNamespace("data.table", quietly = TRUE)) {
    as.data.frame(data.table::fread(data_file, select = columns,
                                    colClasses = c(psu = "double", age_group = "character"),
                                    na.strings = "", showProgress = FALSE))
  } else {
    read.csv(data_file, na.strings = "", colClasses = c(age_group = "character"))[, columns]
  }
}, error = function(e) {
  message("survey.R: cannot read ", data_file, ": ", conditionMessage(e))
  quit(status = 1)
})
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d, nest = TRUE)
t1 <- now()

rows <- list()
for (ind in indicators) {
  sub <- des
  if (!is.null(ind$universe)) {
    r <- ind$universe(d)
    sub <- des[r & !is.na(r), ]
  }
  f <- as.formula(paste0("~", ind$var))
  for (by in disaggregations) {
    if (length(by) == 0) {
      m <- svymean(f, sub, na.rm = TRUE)
      rows[[length(rows) + 1]] <- data.frame(
        indicator = ind$id, disaggregation = "overall", group = "all",
        estimate = num(unname(coef(m))), se = num(unname(SE(m))), n = "",
        stringsAsFactors = FALSE)
    } else {
      res <- svyby(f, as.formula(paste0("~", paste(by, collapse = "+"))), sub, svymean,
                   na.rm = TRUE)
      group <- do.call(paste, c(lapply(by, function(b) as.character(res[[b]])), sep = "|"))
      rows[[length(rows) + 1]] <- data.frame(
        indicator = ind$id, disaggregation = paste(by, collapse = "|"), group = group,
        estimate = num(unname(coef(res))), se = num(unname(SE(res))), n = "",
        stringsAsFactors = FALSE)
    }
  }
}
t2 <- now()
table <- do.call(rbind, rows)
write.csv(table, out_file, row.names = FALSE, quote = FALSE)
t3 <- now()
cat(sprintf("TIMING total=%.6f read=%.6f estimate=%.6f write=%.6f rows=%d\n",
            t3 - t0, t1 - t0, t2 - t1, t3 - t2, nrow(d)))
