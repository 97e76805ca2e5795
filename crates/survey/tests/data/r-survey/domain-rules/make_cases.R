# Reference cases for two domain rules of the engine, computed by R's survey package.
#   Rule 1: lonely.psu = "average" in domains (svyby over two crossed by-variables, analysis
#           variable with missing values; survey.adjust.domain.lonely left at its default FALSE).
#   Rule 2: svyquantile (qrule "math", Woodruff "mean" interval) on a variable with missing
#           values: the df R uses for the t quantile.
# Usage: Rscript make_cases.R OUTDIR      (writes the CSVs, cases.json and prints everything)
# Shape of cases.json: as ../cases.json (see ../README.md). For quantile rows, df is degf() of
#   the domain with the rows whose value is missing (the convention of every other statistic),
#   and df_interval is the df R's svyquantile itself used for the t quantile of Woodruff's
#   interval (degf of the domain AFTER the rows with a missing value are dropped).
suppressMessages({ library(survey); library(jsonlite) })
options(digits = 17)
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "."
data(api)
clean <- function(d) { names(d) <- gsub(".", "_", names(d), fixed = TRUE); for (n in names(d)) if (is.factor(d[[n]])) d[[n]] <- as.character(d[[n]]); d }

## ---------------------------------------------------------------- data
# apiclus2 as shipped (enroll has 6 missing values: all schools of districts 228 and 452)
write.csv(clean(apiclus2), file.path(outdir, "apiclus2.csv"), row.names = FALSE, na = "")
# apistrat + api00_na: api00 set missing where snum %% 5 == 0 (39 rows)
s <- clean(apistrat); s$api00_na <- ifelse(s$snum %% 5 == 0, NA, s$api00)
write.csv(s, file.path(outdir, "apistrat_na.csv"), row.names = FALSE, na = "")
# apiclus1 + enroll_na: enroll set missing for all schools of districts 178 and 815 and
# where snum %% 9 == 0 (27 rows, two whole PSUs)
c1 <- clean(apiclus1); c1$enroll_na <- ifelse(c1$dnum %in% c(178, 815) | c1$snum %% 9 == 0, NA, c1$enroll)
write.csv(c1, file.path(outdir, "apiclus1_na.csv"), row.names = FALSE, na = "")
rd <- function(f) read.csv(file.path(outdir, f), stringsAsFactors = FALSE, na.strings = "")

## ---------------------------------------------------------------- helpers
f <- function(x) if (is.null(x)) NULL else as.formula(paste0("~", paste(x, collapse = "+")))
mkdesign <- function(d, spec) {
  ids <- if (is.null(spec$psu)) ~1 else f(spec$psu)
  svydesign(ids = ids, strata = f(spec$strata), weights = f(spec$weight), fpc = f(spec$fpc),
            data = d, nest = isTRUE(spec$nest))
}
tq <- function(level, df) qt(1 - (1 - level) / 2, df)
num <- function(x) { x <- as.numeric(x); if (is.nan(x)) NA_real_ else x }   # NaN -> JSON null

run_case <- function(cs) {
  d <- rd(cs$data)
  old <- options(survey.lonely.psu = cs$design$lonely_psu,
                 survey.adjust.domain.lonely = isTRUE(cs$design$adjust_domain_lonely))
  on.exit(options(old))
  des <- mkdesign(d, cs$design)
  level <- cs$ci$level
  fml <- f(cs$var)
  byv <- unlist(cs$by)
  one <- function(dd, bylab) {
    dfd <- degf(dd)                       # degf of the domain, rows with a missing value included
    dfci <- if (identical(cs$ci$df, "design")) dfd else Inf
    if (cs$stat %in% c("mean", "total")) {
      e <- if (cs$stat == "mean") svymean(fml, dd, na.rm = TRUE) else svytotal(fml, dd, na.rm = TRUE)
      est <- num(coef(e)); se <- num(SE(e))
      list(list(by = bylab, estimate = est, se = se, ci_low = num(est - tq(level, dfci) * se), ci_high = num(est + tq(level, dfci) * se), df = dfd))
    } else if (cs$stat == "ratio") {
      e <- svyratio(fml, f(cs$denominator), dd, na.rm = TRUE)
      est <- num(coef(e)); se <- num(SE(e))
      list(list(by = bylab, estimate = est, se = se, ci_low = num(est - tq(level, dfci) * se), ci_high = num(est + tq(level, dfci) * se), df = dfd))
    } else if (cs$stat == "proportion") {
      # svyciprop(method = "mean") = svymean of the 0/1 condition, Wald interval, df = degf(design passed)
      e <- svyciprop(as.formula(paste0("~I(", cs$r_cond, ")")), dd, method = "mean", level = level, df = dfci, na.rm = TRUE)
      ci <- unname(attr(e, "ci"))
      list(list(by = bylab, estimate = num(coef(e)), se = num(SE(e)), ci_low = num(ci[1]), ci_high = num(ci[2]), df = dfd))
    } else if (cs$stat == "quantile") {
      e <- svyquantile(fml, dd, quantiles = unlist(cs$probs), ci = TRUE, na.rm = TRUE, alpha = 1 - level,
                       interval.type = "mean", qrule = "math")
      q <- e[[1]]
      # the df svyquantile used: degf after dropping the rows with a missing value
      df_used <- degf(dd[!is.na(dd$variables[[cs$var]]), ])
      lapply(seq_along(unlist(cs$probs)), function(i) list(by = bylab, prob = as.numeric(cs$probs[i]),
        estimate = num(q[i, 1]), se = num(q[i, 4]), ci_low = num(q[i, 2]), ci_high = num(q[i, 3]),
        df = dfd, df_interval = df_used))
    }
  }
  if (length(byv) == 0) return(one(des, setNames(list(), character(0))))
  keys <- unique(d[, byv, drop = FALSE]); keys <- keys[complete.cases(keys), , drop = FALSE]
  keys <- keys[do.call(order, keys), , drop = FALSE]
  rows <- list()
  for (k in seq_len(nrow(keys))) {
    sel <- rep(TRUE, nrow(d))
    for (b in byv) sel <- sel & !is.na(d[[b]]) & d[[b]] == keys[k, b]
    lab <- lapply(as.list(keys[k, , drop = FALSE]), function(x) x)
    # des[sel, ] is exactly what svyby() hands to FUN for each domain
    r <- withCallingHandlers(one(des[sel, ], lab), warning = function(w) invokeRestart("muffleWarning"))
    rows <- c(rows, r)
  }
  rows
}

## ---------------------------------------------------------------- cases
S <- function(...) list(...)
# Rule 1 designs: apiclus2 with strata = county (cname), PSU = district (dnum): 26 strata, 17 of
# them with one district (lonely); no fpc. And strata = district, PSU = school: 40 strata, 21 lonely.
avg_cname <- function(adl) { x <- S(psu = I("dnum"), strata = I("cname"), weight = "pw", fpc = NULL, nest = FALSE, lonely_psu = "average"); if (adl) x$adjust_domain_lonely <- TRUE; x }
avg_dnum <- function(adl) { x <- S(psu = NULL, strata = I("dnum"), weight = "pw", fpc = NULL, nest = FALSE, lonely_psu = "average"); if (adl) x$adjust_domain_lonely <- TRUE; x }
strat <- S(psu = NULL, strata = I("stype"), weight = "pw", fpc = I("fpc"), nest = FALSE, lonely_psu = "fail")
clus1 <- S(psu = I("dnum"), strata = NULL, weight = "pw", fpc = I("fpc"), nest = FALSE, lonely_psu = "fail")
clus2 <- S(psu = I(c("dnum", "snum")), strata = NULL, weight = "pw", fpc = I(c("fpc1", "fpc2")), nest = FALSE, lonely_psu = "fail")
C <- function(id, data, design, stat, var = NULL, by = list(), ci = list(method = "wald", level = 0.95, df = "infinite"), ...)
  c(list(id = id, data = data, design = design, stat = stat, var = var, by = by, where = NULL, ci = ci), list(...))
P <- function(id, data, design, condition, r_cond, by = list())
  list(id = id, data = data, design = design, stat = "proportion", condition = condition, r_cond = r_cond, by = by, where = NULL,
       ci = list(method = "wald", level = 0.95, df = "infinite"))
Q <- function(id, data, design, var, by = list())
  C(id, data, design, "quantile", var, by = by, ci = list(method = "woodruff", level = 0.95, df = "design"), probs = I(c(0.25, 0.5)))

cases <- list()
for (dz in list(list(tag = "cname", mk = avg_cname), list(tag = "dnum", mk = avg_dnum))) for (adl in c(FALSE)) {
  tag <- paste0("avgdom-", dz$tag, if (adl) "-adl" else "")
  dsg <- dz$mk(adl)
  cases <- c(cases, list(
    C(paste0(tag, "-mean-enroll"), "apiclus2.csv", dsg, "mean", "enroll"),
    C(paste0(tag, "-mean-enroll-by-stype-awards"), "apiclus2.csv", dsg, "mean", "enroll", by = I(c("stype", "awards"))),
    C(paste0(tag, "-total-enroll-by-stype-awards"), "apiclus2.csv", dsg, "total", "enroll", by = I(c("stype", "awards"))),
    C(paste0(tag, "-ratio-api00-enroll-by-stype-awards"), "apiclus2.csv", dsg, "ratio", "api00", by = I(c("stype", "awards")), denominator = "enroll"),
    P(paste0(tag, "-prop-enroll400-by-stype-awards"), "apiclus2.csv", dsg, "enroll > 400", "enroll > 400", by = I(c("stype", "awards"))),
    C(paste0(tag, "-mean-enroll-by-stype-schwide"), "apiclus2.csv", dsg, "mean", "enroll", by = I(c("stype", "sch_wide")))
  ))
}
cases <- c(cases, list(
  Q("qna-strat-api00na", "apistrat_na.csv", strat, "api00_na"),
  Q("qna-strat-api00na-by-stype", "apistrat_na.csv", strat, "api00_na", by = I("stype")),
  Q("qna-clus1-enrollna", "apiclus1_na.csv", clus1, "enroll_na"),
  Q("qna-clus1-enrollna-by-stype", "apiclus1_na.csv", clus1, "enroll_na", by = I("stype")),
  Q("qna-clus2-enroll", "apiclus2.csv", clus2, "enroll"),
  Q("qna-clus2-enroll-by-stype", "apiclus2.csv", clus2, "enroll", by = I("stype"))
))

res <- lapply(cases, function(cs) { cs$rows <- run_case(cs); cs$r_cond <- NULL; cs })

## ---------------------------------------------------------------- checks printed with the output
cat("R:", R.version.string, " survey:", as.character(packageVersion("survey")), "\n\n")
# (1) the svyby() path gives the same numbers as the des[sel, ] loop used above
chk_by <- function(cs, FUN, ...) {
  d <- rd(cs$data); old <- options(survey.lonely.psu = "average", survey.adjust.domain.lonely = isTRUE(cs$design$adjust_domain_lonely)); on.exit(options(old))
  des <- mkdesign(d, cs$design)
  b <- suppressWarnings(svyby(f(cs$var), f(unlist(cs$by)), des, FUN, na.rm = TRUE, ...))
  mine <- sapply(cs$rows, function(r) r$se); keyb <- do.call(paste, c(b[, unlist(cs$by), drop = FALSE], sep = "."))
  keym <- sapply(cs$rows, function(r) paste(unlist(r$by), collapse = "."))
  sb <- SE(b)[match(keym, keyb)]
  cat(sprintf("svyby check %-45s max |se diff| = %g\n", cs$id, max(abs(sb - mine), na.rm = TRUE)))
  stopifnot(identical(is.na(sb), is.na(mine)))
}
for (cs in res) if (cs$stat %in% c("mean", "total") && length(cs$by) > 0) chk_by(cs, if (cs$stat == "mean") svymean else svytotal)
for (cs in res) if (cs$stat == "quantile" && length(cs$by) > 0) {
  d <- rd(cs$data); des <- mkdesign(d, cs$design)
  b <- svyby(f(cs$var), f(unlist(cs$by)), des, svyquantile, quantiles = unlist(cs$probs), ci = TRUE, na.rm = TRUE, vartype = c("se", "ci"))
  cat("svyby(svyquantile) for", cs$id, "\n"); print(b)
}
# (2) which df reproduces the quantile se (se = (ci_high - ci_low) / (2 qt(0.975, df)))
cat("\nquantile se check: se * 2 * qt(0.975, df) - (ci_high - ci_low), for df used / df with missing rows\n")
for (cs in res) if (cs$stat == "quantile") for (r in cs$rows)
  cat(sprintf("%-32s %-10s p=%.2f df_interval=%d df=%d  %.3g  %.3g\n", cs$id, paste(unlist(r$by), collapse = "."), r$prob, r$df_interval, r$df,
              r$se * 2 * qt(0.975, r$df_interval) - (r$ci_high - r$ci_low), r$se * 2 * qt(0.975, r$df) - (r$ci_high - r$ci_low)))

# jsonlite prints at most 15 significant digits: write every double verbatim with %.17g
# (round-trip precision); NA/NaN -> null.
verb <- function(x) {
  if (is.list(x)) { a <- attributes(x); y <- lapply(x, verb); attributes(y) <- a; y }
  else if (is.double(x) && !inherits(x, "AsIs") && length(x) == 1) structure(if (is.na(x)) "null" else sprintf("%.17g", x), class = "json")
  else if (is.double(x) && inherits(x, "AsIs")) I(lapply(unclass(x), function(v) structure(sprintf("%.17g", v), class = "json")))
  else x
}
res <- verb(res)
meta <- list(generator = paste0("R ", R.version$major, ".", R.version$minor, ", survey ", as.character(packageVersion("survey"))),
             r_version = R.version.string, survey_version = as.character(packageVersion("survey")), cases = res)
writeLines(toJSON(meta, auto_unbox = TRUE, digits = NA, pretty = TRUE, json_verbatim = TRUE, null = "null", na = "null"), file.path(outdir, "cases.json"))
cat("\nwrote", length(res), "cases to", file.path(outdir, "cases.json"), "\n\n")
# (3) every number, full precision
for (cs in res) {
  cat("==", cs$id, "\n")
  for (r in cs$rows) cat(" ", paste(unlist(r$by), collapse = "."), if (!is.null(r$prob)) paste0("p=", r$prob) else "",
      "est", format(r$estimate, digits = 17), "se", format(r$se, digits = 17), "ci", format(r$ci_low, digits = 17), format(r$ci_high, digits = 17),
      "df", r$df, if (!is.null(r$df_interval)) paste("df_interval", r$df_interval) else "", "\n")
}
